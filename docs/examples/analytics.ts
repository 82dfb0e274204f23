// Analytics (docs/api.md, "Analytics"): the `#region` is shown verbatim there.
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
