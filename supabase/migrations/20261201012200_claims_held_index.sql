-- An index for the claim limit (issue 15): private.check_claim_limit counts the mentor's requests in status
-- 'claimed' on every claim.
--
-- Measured by benchmarks/ (scripts/bench) at 1,000,000 requests: that count combined the mentor's index with
-- the partial index of every claimed request (mini_mentorship_requests_claimed_at_idx, 30,000 entries) in a
-- BitmapAnd, about 1.2 ms per claim and growing with the number of claims of all mentors, so
-- claim_mini_request took 3x a bare conditional UPDATE. The index below holds exactly the rows the count
-- reads: a mentor's claims are found, and counted, in a few index entries whatever the table size.

-- squawk-ignore require-concurrent-index-creation
create index mini_mentorship_requests_claims_held_idx
on public.mini_mentorship_requests (claimed_by_mentor_id) where status = 'claimed';

-- A migration runs in a transaction, where an index cannot be built concurrently; the build takes a short
-- lock on the requests table (writes wait, reads go on). Hence the squawk-ignore line above.

comment on index public.mini_mentorship_requests_claims_held_idx is
'The claims a mentor holds (status claimed): private.check_claim_limit counts them on every claim.';
