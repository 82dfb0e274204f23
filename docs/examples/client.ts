// The typed client every example uses, and the app functions they call (declared only: the examples are
// type-checked, never run). Types: types/database.types.ts, made by `mini-mentorship types`.
// #region createClient
import { createClient } from '@supabase/supabase-js'
import type { Database } from '../../types/database.types'   // in your app: where you keep the generated file

export const supabase = createClient<Database>(
  'https://your-project.supabase.co',   // your project's URL and anon (publishable) key
  'your-anon-key',
)
// #endregion

export type Session = Database['public']['Tables']['mini_mentorship_sessions']['Row']
export type Request = Database['public']['Tables']['mini_mentorship_requests']['Row']

// What the app does with the answers (UI helpers of the host app).
export declare function toast(message: string): void
export declare function showError(message: string): void
export declare function showFieldError(field: string | undefined, message: string): void
export declare function offerOrdinaryRequest(): void
export declare function retryIn(milliseconds: number): void
export declare function refreshSession(session: Partial<Session>): void
export declare function refreshRequest(request: Partial<Request>): void

// Compiles only when no row (nor an embedded relation of a row) is postgrest-js's SelectQueryError, the type a
// select string naming a missing column or relation yields: the examples call it on what they read, after the
// part docs/api.md shows.
type SelectError = { error: true }
type IsError<V> = NonNullable<V> extends SelectError | readonly SelectError[] ? true : false
type RowChecked<R> = R extends SelectError ? never
  : true extends { [K in keyof R]: IsError<R[K]> }[keyof R] ? never : R
type Checked<T> = T extends readonly (infer R)[] ? (RowChecked<R> extends never ? never : T)
  : T extends object ? (RowChecked<T> extends never ? never : T) : T
export function selectChecked<T>(_rows: T & Checked<T>): void {}
