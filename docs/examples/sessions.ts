// Sessions (docs/api.md, "Sessions"): each `#region` below is shown verbatim in docs/api.md.
import { retryIn, selectChecked, showError, supabase } from './client'

export async function scheduleSession(id: string) {
  // #region scheduleSession
  const { data: session, error } = await supabase.rpc('schedule_mini_session', {
    request_id: id, scheduled_at: '2027-03-14T07:30:00Z', duration_minutes: 60,
    meeting_type: 'virtual', meeting_platform: 'jitsi',
  })
  if (error?.hint === 'outside_student_window') showError(error.message)
  // #endregion
  return session
}

export async function rescheduleSession(session_id: string, newStart: string) {
  // #region rescheduleSession
  await supabase.rpc('reschedule_mini_session', { session_id, scheduled_at: newStart, reason: 'Conference clash' })
  // #endregion
}

export async function cancelSession(session_id: string) {
  // #region cancelSession
  await supabase.rpc('cancel_mini_session', { session_id, reason: 'I am ill, sorry' })  // the mentor
  await supabase.rpc('cancel_mini_session', { session_id })                              // the student, no reason
  // #endregion
}

export async function joinSession(session_id: string) {
  // #region joinSession
  const { data: link, error } = await supabase.rpc('join_mini_session', { session_id })
  if (link) window.open(link)
  else if (error?.hint === 'no_meeting_link') retryIn(10_000)
  // #endregion
}

export async function completeSession(session_id: string) {
  // #region completeSession
  await supabase.rpc('complete_mini_session', {
    session_id, mentor_notes: 'Good progress', topics_covered: ['caching'], action_items: ['Read DDIA ch. 5'],
    follow_up_needed: true, actual_duration_minutes: 50,
  })
  // #endregion
}

export async function markNoShow(session_id: string) {
  // #region markNoShow
  await supabase.rpc('mark_mini_no_show', { session_id, absent: 'mentor' })
  // #endregion
}

export async function rateSession(session_id: string) {
  // #region rateSession
  await supabase.rpc('rate_mini_session', { session_id, rating: 5, feedback: 'Very helpful' })
  await supabase.rpc('rate_mini_session', { session_id, rating: 4 })  // no feedback
  // #endregion
}

export async function updateNotes(session_id: string) {
  // #region updateNotes
  await supabase.rpc('update_mini_session_notes', { session_id, student_notes: 'Ask about cache invalidation' })
  // #endregion
}

export async function requestMeetingLink(session_id: string) {
  // #region requestMeetingLink
  const { data: job, error } = await supabase.rpc('request_mini_meeting_link', { session_id })
  if (job?.meeting_link) window.open(job.meeting_link)            // the link exists already
  else if (job) console.log(`link job ${job.job_id} is ${job.status}`)  // the worker is making it
  // #endregion
  return error
}

export async function updateMeeting(session_id: string) {
  // #region updateMeeting
  // The mentor's "fix the link" form on the session page
  const { data: session, error } = await supabase.rpc('update_mini_session_meeting', {
    session_id,
    meeting_link: 'https://zoom.us/j/123456789',
  })
  // Move it to a room (the link is dropped with the platform change)
  await supabase.rpc('update_mini_session_meeting', {
    session_id, meeting_type: 'in-person', meeting_platform: 'other', location: 'Room 4, 2nd floor',
  })
  // #endregion
  return { session, error }
}

export async function requestHistory(requestId: string) {
  // #region requestHistory
  const { data: history } = await supabase
    .from('mini_mentorship_events')
    .select('event, from_status, to_status, actor_role, reason, detail, at')
    .eq('request_id', requestId)
    .order('at')
  // #endregion
  selectChecked(history)
  return history
}
