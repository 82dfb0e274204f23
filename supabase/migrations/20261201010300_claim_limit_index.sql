-- The claim limit counts a mentor's open claims, not their history (issue 15 part 4).
--
-- private.check_claim_limit (newest: 20261201009300) counts `claimed_by_mentor_id = mentor and status =
-- 'claimed'` on every claim. Served by mini_mentorship_requests_claimed_by_mentor_id_idx, that read every
-- request the mentor ever held (claimed_by_mentor_id stays set on scheduled and completed requests) and
-- filtered the few still claimed: a mentor's claim got slower with each session they had given. This partial
-- index holds only live claims (a handful per mentor, bounded by max_claims_per_mentor), so the count reads
-- those. Otherwise claim_mini_request already does what a bare `update ... where id = ... and status = 'open'`
-- does plus its checks: no row lock before its single conditional update, one advisory lock per mentor (the
-- limit's), and the same triggers (transition guard, event, outbox) as any writer.

-- Live claims are a small slice of the table, so the build is short; the migration runs in a transaction,
-- where `concurrently` is not possible.
-- squawk-ignore require-concurrent-index-creation
create index mini_mentorship_requests_live_claims_idx
on public.mini_mentorship_requests (claimed_by_mentor_id)
where status = 'claimed';

comment on index public.mini_mentorship_requests_live_claims_idx is
'Claimed (unscheduled) requests by mentor: private.check_claim_limit counts a mentor''s live claims here on every '
'claim, without reading the requests they held before.';
