// People, availability, files and live updates (docs/api.md): each `#region` is shown verbatim there.
import type { User } from '@supabase/supabase-js'
import { refreshRequest, refreshSession, selectChecked, supabase } from './client'

export async function sessionPeople(user: User, sessionId: string) {
  // #region sessionPeople
  // Session page: the session, then both participants' names in one query
  const { data: session } = await supabase
    .from('mini_mentorship_sessions').select('*').eq('id', sessionId).maybeSingle()
  if (!session) return null   // no such session, or not yours to see
  const { data: people } = await supabase
    .from('mini_mentorship_people')
    .select('id, display_name, timezone, avatar_url')
    .in('id', [session.student_id, session.mentor_id])
  const other = people?.find(p => p.id === (user.id === session.mentor_id ? session.student_id : session.mentor_id))
  // `With ${other?.display_name}` — times in their zone with other?.timezone
  // #endregion
  selectChecked(session); selectChecked(people)
  return other
}

export async function availability(user: User, available_from: string, available_until: string) {
  // #region availability
  await supabase.from('mini_mentorship_availability')
    .insert({ available_from, available_until, timezone: 'Europe/Berlin' })
  // the mentor's own windows, next first
  const { data: windows } = await supabase
    .from('mini_mentorship_availability')
    .select('id, available_from, available_until, timezone, is_available, blocked_reason')
    .eq('mentor_id', user.id)
    .gte('available_until', new Date().toISOString())
    .order('available_from')
  // #endregion
  selectChecked(windows)
  return windows
}

export async function requestFiles(uid: string, requestId: string, file: File, name: string) {
  // #region requestFiles
  const bucket = supabase.storage.from('mini-mentorship-files')
  const folder = `${uid}/${requestId}`                      // uid: the student's id (request.student_id)

  // the student uploads (upsert: false refuses to overwrite; pick a unique name)
  const { error } = await bucket.upload(`${folder}/${file.name}`, file, { upsert: false })

  // the student or the request's mentor lists and opens the files
  const { data: files } = await bucket.list(folder, { sortBy: { column: 'created_at', order: 'desc' } })
  const { data: link } = files?.length
    ? await bucket.createSignedUrl(`${folder}/${files[0].name}`, 60)  // valid 60 s
    : { data: null }

  // the student deletes one
  await bucket.remove([`${folder}/${name}`])
  // #endregion
  return { error, link }
}

export function liveUpdates(uid: string) {
  // #region liveUpdates
  const channel = supabase
    .channel('my-sessions')
    .on('postgres_changes',
        { event: '*', schema: 'public', table: 'mini_mentorship_sessions', filter: `student_id=eq.${uid}` },
        (payload) => refreshSession(payload.new))
    .on('postgres_changes',
        { event: 'UPDATE', schema: 'public', table: 'mini_mentorship_requests', filter: `student_id=eq.${uid}` },
        (payload) => refreshRequest(payload.new))
    .subscribe()
  // later: supabase.removeChannel(channel)
  // #endregion
  return channel
}
