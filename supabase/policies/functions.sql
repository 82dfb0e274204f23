-- Who may execute which function (source of truth; see requests.sql). Everything else is revoked from
-- PUBLIC and the API roles: trigger functions, sweeps for the cron tick, internal helpers.

-- The RPC API: signed-in users only; each function checks its caller itself.
grant execute on function
public.browse_mini_requests(text[], integer[], text[], text[], text, text, integer),
public.claim_mini_request(uuid),
public.release_mini_request(uuid, text),
public.cancel_mini_request(uuid, text),
public.schedule_mini_session(uuid, timestamptz, integer, text, text, text, text, text),
public.reschedule_mini_session(uuid, timestamptz, text),
public.cancel_mini_session(uuid, text),
public.join_mini_session(uuid),
public.complete_mini_session(uuid, text, text[], text[], boolean, integer),
public.mark_mini_no_show(uuid, text),
public.rate_mini_session(uuid, integer, text),
public.request_mini_meeting_link(uuid),
public.mini_mentorship_analytics(timestamptz, timestamptz)
to authenticated;

-- The security-definer implementations of those RPCs (schema private, not exposed by the Data API): the
-- public functions are security invoker and call them (issue 8 part 9).
grant execute on function
private.browse_mini_requests(text[], integer[], text[], text[], text, text, integer),
private.claim_mini_request(uuid),
private.release_mini_request(uuid, text),
private.cancel_mini_request(uuid, text),
private.mini_mentorship_analytics(timestamptz, timestamptz)
to authenticated;

-- Helpers that policies call (policies run as the caller).
grant execute on function
private.is_admin(),
private.is_pool_mentor(uuid),
private.is_claiming_mentor_of_file(text)
to authenticated;
