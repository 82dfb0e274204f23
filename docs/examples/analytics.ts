// Analytics and admin reads (docs/api.md, "Analytics", "Admin reads"): each `#region` is shown verbatim there.
import { supabase } from './client'

export async function analytics() {
  // #region analytics
  const { data: stats, error } = await supabase.rpc('mini_mentorship_analytics', {
    since: '2026-10-01T00:00:00Z', until: '2026-11-01T00:00:00Z',
  })
  if (error?.hint === 'not_admin') throw new Error(error.message)
  const completionRate = stats?.completion_rate   // number | null: the report is a typed row
  // #endregion
  return { stats, completionRate }
}

export async function adminSessions() {
  // #region adminSessions
  const { data: page, error } = await supabase.rpc('admin_list_mini_sessions', {
    status: 'scheduled', page_size: 50,
  })
  if (error?.hint === 'not_admin') throw new Error(error.message)
  const last = page?.at(-1)   // a full row of mini_mentorship_sessions
  const { data: next } = await supabase.rpc('admin_list_mini_sessions', {
    status: 'scheduled', page_size: 50, ...(last ? { after: last.id } : {}),
  })
  // #endregion
  return { page, next }
}

export async function adminRequests(studentId: string) {
  // #region adminRequests
  const { data: requests } = await supabase.rpc('admin_list_mini_requests', {
    student_id: studentId, status: 'open',
  })
  // #endregion
  return requests
}

export async function adminAvailability(mentorId: string) {
  // #region adminAvailability
  const { data: windows } = await supabase.rpc('admin_list_mini_availability', { mentor_id: mentorId })
  // #endregion
  return windows
}

export async function adminEvents(requestId: string, after: number | null) {
  // #region adminEvents
  const { data: events } = await supabase.rpc('admin_list_mini_events', {
    request_id: requestId, ...(after === null ? {} : { after }),
  })
  // #endregion
  return events
}
