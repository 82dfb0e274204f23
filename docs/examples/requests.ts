// Requests (docs/api.md, "Requests"): each `#region` below is shown verbatim in docs/api.md.
import type { User } from '@supabase/supabase-js'
import { offerOrdinaryRequest, selectChecked, type Session, showFieldError, supabase, toast } from './client'

export async function readRequests(user: User, requestId: string) {
  // #region readRequests
  // List the columns you show, in one literal string (typed rows; search_document stays off the wire)
  const COLUMNS = `id, title, description, session_type, preferred_duration_minutes, urgency, status, tags,
    preferred_date_start, preferred_date_end, preferred_time_slots, timezone, relevant_experience,
    specific_questions, resume_url, portfolio_url, claimed_by_mentor_id, claimed_at, expires_at, created_at`
  // getMyRequests (a student): say whose rows you want, RLS only makes sure you may see them
  const { data: mine } = await supabase
    .from('mini_mentorship_requests')
    .select(COLUMNS)
    .eq('student_id', user.id)
    .order('created_at', { ascending: false })
  // getClaimedRequests (a mentor)
  const { data: claimed } = await supabase
    .from('mini_mentorship_requests')
    .select(COLUMNS)
    .eq('claimed_by_mentor_id', user.id)
    .order('claimed_at', { ascending: false })
  // getRequestById
  const { data: one } = await supabase
    .from('mini_mentorship_requests').select(COLUMNS).eq('id', requestId).maybeSingle()
  // #endregion
  selectChecked(mine); selectChecked(claimed); selectChecked(one)
  return { mine, claimed, one }
}

export async function requestWithSession(requestId: string) {
  // #region requestWithSession
  const { data: request } = await supabase
    .from('mini_mentorship_requests')
    .select('*, mini_mentorship_sessions(*)')
    .eq('id', requestId)
    .order('created_at', { referencedTable: 'mini_mentorship_sessions', ascending: false })
    .maybeSingle()
  const session = request?.mini_mentorship_sessions?.[0] ?? null
  // or from the other side: every session of the request, newest first
  const { data: sessions } = await supabase
    .from('mini_mentorship_sessions')
    .select('*')
    .eq('request_id', requestId)
    .order('created_at', { ascending: false })
  // #endregion
  selectChecked(request); selectChecked(sessions)
  return { session, sessions }
}

export async function createFollowUp(session: Session, description: string) {
  // #region createFollowUp
  const { data: followUp, error } = await supabase
    .from('mini_mentorship_requests')
    .insert({ title: 'Follow-up: caching', description, session_type: 'technical_help',
              follow_up_of: session.id })   // add follow_up_exclusive: true to keep it for this mentor
    .select()
    .single()
  if (error?.hint === 'mentor_not_available') offerOrdinaryRequest()
  // #endregion
  return followUp
}

export async function createRequest(title: string, description: string) {
  // #region createRequest
  const { data, error } = await supabase
    .from('mini_mentorship_requests')
    .insert({ title, description, session_type: 'interview_prep', preferred_duration_minutes: 45,
              urgency: 'high', timezone: 'Europe/Paris', tags: ['system-design'],
              preferred_time_slots: [{ start: '09:00', end: '12:00', days: ['mon', 'wed'] }] })
    .select()
    .single()
  if (error?.code === '22023') showFieldError(error.hint, error.message)
  // #endregion
  return data
}

export async function browseRequests(previousCursor: string | null) {
  // #region browseRequests
  let after: string | null = previousCursor   // null: the first page
  const { data, error } = await supabase.rpc('browse_mini_requests', {
    session_types: ['interview_prep'], tags: ['python'], search: 'system design',
    ...(after ? { after } : {}),
  })
  after = data?.length ? data[data.length - 1].page_cursor : null   // null after the last page
  // #endregion
  return { data, error, after }
}

export async function claimRequest(id: string) {
  // #region claimRequest
  const { data: request, error } = await supabase.rpc('claim_mini_request', { request_id: id })
  if (error?.hint === 'request_not_open') toast('Someone was faster — this request is taken.')
  if (error?.hint === 'claim_limit') toast(error.message) // schedule or release one of your claims first
  // #endregion
  return request
}

export async function releaseRequest(id: string) {
  // #region releaseRequest
  const { data, error } = await supabase.rpc('release_mini_request', { request_id: id, reason: 'Travelling this week' })
  // #endregion
  return { data, error }
}

export async function cancelRequest(id: string) {
  // #region cancelRequest
  const { error } = await supabase.rpc('cancel_mini_request', { request_id: id, reason: 'Found help already' })
  // #endregion
  return error
}
