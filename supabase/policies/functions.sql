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
public.update_mini_session_meeting(uuid, text, text, text, text),
public.update_mini_session_notes(uuid, text),
public.mini_mentorship_analytics(timestamptz, timestamptz),
public.admin_list_mini_requests(text, uuid, uuid, uuid, integer),
public.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer),
public.admin_list_mini_availability(uuid, uuid, integer),
public.admin_list_mini_events(uuid, uuid, bigint, integer)
to authenticated;

-- The security-definer implementations of the RPCs (same names in schema private, which the Data API does
-- not expose): the public functions are security invoker and call them (issue 8 part 9); only
-- `authenticated` may execute them.
grant execute on function
private.browse_mini_requests(text[], integer[], text[], text[], text, text, integer),
private.claim_mini_request(uuid),
private.release_mini_request(uuid, text),
private.cancel_mini_request(uuid, text),
private.mini_mentorship_analytics(timestamptz, timestamptz),
private.schedule_mini_session(uuid, timestamptz, integer, text, text, text, text, text),
private.reschedule_mini_session(uuid, timestamptz, text),
private.cancel_mini_session(uuid, text),
private.join_mini_session(uuid),
private.complete_mini_session(uuid, text, text[], text[], boolean, integer),
private.mark_mini_no_show(uuid, text),
private.rate_mini_session(uuid, integer, text),
private.request_mini_meeting_link(uuid),
private.update_mini_session_meeting(uuid, text, text, text, text),
private.update_mini_session_notes(uuid, text),
private.admin_list_mini_requests(text, uuid, uuid, uuid, integer),
private.admin_list_mini_sessions(text, uuid, uuid, uuid, uuid, integer),
private.admin_list_mini_availability(uuid, uuid, integer),
private.admin_list_mini_events(uuid, uuid, bigint, integer)
to authenticated;

-- The filter of the view public.mini_mentorship_people (security invoker: it runs as the caller).
grant execute on function private.mini_mentorship_people() to authenticated;

-- Helpers that policies call (policies run as the caller).
grant execute on function
private.is_admin(),
private.is_pool_mentor(uuid),
private.is_claiming_mentor_of_file(text),
private.is_own_request_file(text),
private.readable_request_ids(),
private.participant_session_ids()
to authenticated;
