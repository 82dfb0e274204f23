export type Json =
  | string
  | number
  | boolean
  | null
  | { [key: string]: Json | undefined }
  | Json[]

export type Database = {
  public: {
    Tables: {
      mentorship_profiles: {
        Row: {
          created_at: string
          id: string
          in_matching_pool: boolean
          profile_type: string
          user_id: string
        }
        Insert: {
          created_at?: string
          id?: string
          in_matching_pool?: boolean
          profile_type: string
          user_id: string
        }
        Update: {
          created_at?: string
          id?: string
          in_matching_pool?: boolean
          profile_type?: string
          user_id?: string
        }
        Relationships: [
          {
            foreignKeyName: "mentorship_profiles_user_id_fkey"
            columns: ["user_id"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      mini_mentorship_availability: {
        Row: {
          available_from: string
          available_until: string
          blocked_reason: string | null
          created_at: string
          id: string
          is_available: boolean
          mentor_id: string
          timezone: string
          updated_at: string
        }
        Insert: {
          available_from: string
          available_until: string
          blocked_reason?: string | null
          created_at?: string
          id?: string
          is_available?: boolean
          mentor_id?: string
          timezone?: string
          updated_at?: string
        }
        Update: {
          available_from?: string
          available_until?: string
          blocked_reason?: string | null
          created_at?: string
          id?: string
          is_available?: boolean
          mentor_id?: string
          timezone?: string
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "mini_mentorship_availability_mentor_id_fkey"
            columns: ["mentor_id"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      mini_mentorship_events: {
        Row: {
          actor_id: string | null
          actor_role: string
          at: string
          detail: NonNullable<Json>
          entity: string
          event: string
          from_status: string | null
          id: number
          reason: string | null
          request_id: string
          session_id: string | null
          to_status: string
        }
        Insert: {
          actor_id?: string | null
          actor_role: string
          at?: string
          detail?: NonNullable<Json>
          entity: string
          event: string
          from_status?: string | null
          id?: never
          reason?: string | null
          request_id: string
          session_id?: string | null
          to_status: string
        }
        Update: {
          actor_id?: string | null
          actor_role?: string
          at?: string
          detail?: NonNullable<Json>
          entity?: string
          event?: string
          from_status?: string | null
          id?: never
          reason?: string | null
          request_id?: string
          session_id?: string | null
          to_status?: string
        }
        Relationships: []
      }
      mini_mentorship_requests: {
        Row: {
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          claimed_at: string | null
          claimed_by_mentor_id: string | null
          completed_at: string | null
          created_at: string
          description: string
          expired_at: string | null
          expires_at: string
          follow_up_exclusive: boolean
          follow_up_of: string | null
          id: string
          last_release_reason: string | null
          last_released_at: string | null
          last_released_by: string | null
          portfolio_url: string | null
          preferred_date_end: string | null
          preferred_date_start: string | null
          preferred_duration_minutes: number
          preferred_time_slots: NonNullable<Json>
          release_count: number
          relevant_experience: string | null
          reserved_for_mentor_id: string | null
          reserved_until: string | null
          resume_url: string | null
          search_document: unknown
          session_type: string
          specific_questions: string | null
          status: string
          student_id: string
          tags: string[]
          timezone: string
          title: string
          updated_at: string
          urgency: string
        }
        Insert: {
          cancellation_reason?: string | null
          cancelled_at?: string | null
          cancelled_by?: string | null
          claimed_at?: string | null
          claimed_by_mentor_id?: string | null
          completed_at?: string | null
          created_at?: string
          description: string
          expired_at?: string | null
          expires_at?: string
          follow_up_exclusive?: boolean
          follow_up_of?: string | null
          id?: string
          last_release_reason?: string | null
          last_released_at?: string | null
          last_released_by?: string | null
          portfolio_url?: string | null
          preferred_date_end?: string | null
          preferred_date_start?: string | null
          preferred_duration_minutes?: number
          preferred_time_slots?: NonNullable<Json>
          release_count?: number
          relevant_experience?: string | null
          reserved_for_mentor_id?: string | null
          reserved_until?: string | null
          resume_url?: string | null
          search_document?: never
          session_type: string
          specific_questions?: string | null
          status?: string
          student_id?: string
          tags?: string[]
          timezone?: string
          title: string
          updated_at?: string
          urgency?: string
        }
        Update: {
          cancellation_reason?: string | null
          cancelled_at?: string | null
          cancelled_by?: string | null
          claimed_at?: string | null
          claimed_by_mentor_id?: string | null
          completed_at?: string | null
          created_at?: string
          description?: string
          expired_at?: string | null
          expires_at?: string
          follow_up_exclusive?: boolean
          follow_up_of?: string | null
          id?: string
          last_release_reason?: string | null
          last_released_at?: string | null
          last_released_by?: string | null
          portfolio_url?: string | null
          preferred_date_end?: string | null
          preferred_date_start?: string | null
          preferred_duration_minutes?: number
          preferred_time_slots?: NonNullable<Json>
          release_count?: number
          relevant_experience?: string | null
          reserved_for_mentor_id?: string | null
          reserved_until?: string | null
          resume_url?: string | null
          search_document?: never
          session_type?: string
          specific_questions?: string | null
          status?: string
          student_id?: string
          tags?: string[]
          timezone?: string
          title?: string
          updated_at?: string
          urgency?: string
        }
        Relationships: [
          {
            foreignKeyName: "mini_mentorship_requests_cancelled_by_fkey"
            columns: ["cancelled_by"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_requests_claimed_by_mentor_id_fkey"
            columns: ["claimed_by_mentor_id"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_requests_last_released_by_fkey"
            columns: ["last_released_by"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_requests_reserved_for_mentor_id_fkey"
            columns: ["reserved_for_mentor_id"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_requests_student_id_fkey"
            columns: ["student_id"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      mini_mentorship_sessions: {
        Row: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        Insert: {
          action_items?: string[] | null
          actual_duration_minutes?: number | null
          cancellation_reason?: string | null
          cancelled_at?: string | null
          cancelled_by?: string | null
          created_at?: string
          duration_minutes: number
          ended_at?: string | null
          ends_at: string
          follow_up_needed?: boolean
          id?: string
          location?: string | null
          meeting_id?: string | null
          meeting_link?: string | null
          meeting_passcode?: string | null
          meeting_platform?: string
          meeting_type?: string
          mentor_feedback?: string | null
          mentor_id: string
          mentor_joined_at?: string | null
          mentor_notes?: string | null
          mentor_rating?: number | null
          no_show_absent?: string | null
          no_show_marked_at?: string | null
          no_show_marked_by?: string | null
          reminder_1hr_sent_at?: string | null
          reminder_24hr_sent_at?: string | null
          request_id: string
          reschedule_reason?: string | null
          rescheduled_at?: string | null
          scheduled_at: string
          sequence?: number
          started_at?: string | null
          status?: string
          student_feedback?: string | null
          student_id: string
          student_joined_at?: string | null
          student_notes?: string | null
          student_rating?: number | null
          timezone?: string
          topics_covered?: string[] | null
          updated_at?: string
        }
        Update: {
          action_items?: string[] | null
          actual_duration_minutes?: number | null
          cancellation_reason?: string | null
          cancelled_at?: string | null
          cancelled_by?: string | null
          created_at?: string
          duration_minutes?: number
          ended_at?: string | null
          ends_at?: string
          follow_up_needed?: boolean
          id?: string
          location?: string | null
          meeting_id?: string | null
          meeting_link?: string | null
          meeting_passcode?: string | null
          meeting_platform?: string
          meeting_type?: string
          mentor_feedback?: string | null
          mentor_id?: string
          mentor_joined_at?: string | null
          mentor_notes?: string | null
          mentor_rating?: number | null
          no_show_absent?: string | null
          no_show_marked_at?: string | null
          no_show_marked_by?: string | null
          reminder_1hr_sent_at?: string | null
          reminder_24hr_sent_at?: string | null
          request_id?: string
          reschedule_reason?: string | null
          rescheduled_at?: string | null
          scheduled_at?: string
          sequence?: number
          started_at?: string | null
          status?: string
          student_feedback?: string | null
          student_id?: string
          student_joined_at?: string | null
          student_notes?: string | null
          student_rating?: number | null
          timezone?: string
          topics_covered?: string[] | null
          updated_at?: string
        }
        Relationships: [
          {
            foreignKeyName: "mini_mentorship_sessions_cancelled_by_fkey"
            columns: ["cancelled_by"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_sessions_mentor_id_fkey"
            columns: ["mentor_id"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_sessions_no_show_marked_by_fkey"
            columns: ["no_show_marked_by"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_sessions_request_id_fkey"
            columns: ["request_id"]
            referencedRelation: "mini_mentorship_requests"
            referencedColumns: ["id"]
          },
          {
            foreignKeyName: "mini_mentorship_sessions_student_id_fkey"
            columns: ["student_id"]
            referencedRelation: "users"
            referencedColumns: ["id"]
          },
        ]
      }
      users: {
        Row: {
          created_at: string
          email: string
          full_name: string | null
          id: string
          timezone: string
        }
        Insert: {
          created_at?: string
          email: string
          full_name?: string | null
          id: string
          timezone?: string
        }
        Update: {
          created_at?: string
          email?: string
          full_name?: string | null
          id?: string
          timezone?: string
        }
        Relationships: []
      }
    }
    Views: {
      mini_mentorship_people: {
        Row: {
          avatar_url: string | null
          display_name: string | null
          id: string | null
          timezone: string | null
        }
        Insert: {
          avatar_url?: string | null
          display_name?: string | null
          id?: string | null
          timezone?: string | null
        }
        Update: {
          avatar_url?: string | null
          display_name?: string | null
          id?: string | null
          timezone?: string | null
        }
        Relationships: []
      }
    }
    Functions: {
      admin_list_mini_availability: {
        Args: { after?: string; mentor_id?: string; page_size?: number }
        Returns: {
          available_from: string
          available_until: string
          blocked_reason: string | null
          created_at: string
          id: string
          is_available: boolean
          mentor_id: string
          timezone: string
          updated_at: string
        }[]
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_availability"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      admin_list_mini_events: {
        Args: {
          after?: number
          page_size?: number
          request_id?: string
          session_id?: string
        }
        Returns: {
          actor_id: string | null
          actor_role: string
          at: string
          detail: NonNullable<Json>
          entity: string
          event: string
          from_status: string | null
          id: number
          reason: string | null
          request_id: string
          session_id: string | null
          to_status: string
        }[]
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_events"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      admin_list_mini_requests: {
        Args: {
          after?: string
          mentor_id?: string
          page_size?: number
          status?: string
          student_id?: string
        }
        Returns: {
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          claimed_at: string | null
          claimed_by_mentor_id: string | null
          completed_at: string | null
          created_at: string
          description: string
          expired_at: string | null
          expires_at: string
          follow_up_exclusive: boolean
          follow_up_of: string | null
          id: string
          last_release_reason: string | null
          last_released_at: string | null
          last_released_by: string | null
          portfolio_url: string | null
          preferred_date_end: string | null
          preferred_date_start: string | null
          preferred_duration_minutes: number
          preferred_time_slots: NonNullable<Json>
          release_count: number
          relevant_experience: string | null
          reserved_for_mentor_id: string | null
          reserved_until: string | null
          resume_url: string | null
          search_document: unknown
          session_type: string
          specific_questions: string | null
          status: string
          student_id: string
          tags: string[]
          timezone: string
          title: string
          updated_at: string
          urgency: string
        }[]
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_requests"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      admin_list_mini_sessions: {
        Args: {
          after?: string
          mentor_id?: string
          page_size?: number
          request_id?: string
          status?: string
          student_id?: string
        }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }[]
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      browse_mini_requests: {
        Args: {
          after?: string
          durations?: number[]
          page_size?: number
          search?: string
          session_types?: string[]
          tags?: string[]
          urgencies?: string[]
        }
        Returns: Database["public"]["CompositeTypes"]["mini_mentorship_request_listing"][]
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_request_listing"
          isOneToOne: false
          isSetofReturn: true
        }
      }
      cancel_mini_request: {
        Args: { reason: string; request_id: string }
        Returns: {
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          claimed_at: string | null
          claimed_by_mentor_id: string | null
          completed_at: string | null
          created_at: string
          description: string
          expired_at: string | null
          expires_at: string
          follow_up_exclusive: boolean
          follow_up_of: string | null
          id: string
          last_release_reason: string | null
          last_released_at: string | null
          last_released_by: string | null
          portfolio_url: string | null
          preferred_date_end: string | null
          preferred_date_start: string | null
          preferred_duration_minutes: number
          preferred_time_slots: NonNullable<Json>
          release_count: number
          relevant_experience: string | null
          reserved_for_mentor_id: string | null
          reserved_until: string | null
          resume_url: string | null
          search_document: unknown
          session_type: string
          specific_questions: string | null
          status: string
          student_id: string
          tags: string[]
          timezone: string
          title: string
          updated_at: string
          urgency: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_requests"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      cancel_mini_session: {
        Args: { reason?: string; session_id: string }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      claim_mini_request: {
        Args: { request_id: string }
        Returns: {
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          claimed_at: string | null
          claimed_by_mentor_id: string | null
          completed_at: string | null
          created_at: string
          description: string
          expired_at: string | null
          expires_at: string
          follow_up_exclusive: boolean
          follow_up_of: string | null
          id: string
          last_release_reason: string | null
          last_released_at: string | null
          last_released_by: string | null
          portfolio_url: string | null
          preferred_date_end: string | null
          preferred_date_start: string | null
          preferred_duration_minutes: number
          preferred_time_slots: NonNullable<Json>
          release_count: number
          relevant_experience: string | null
          reserved_for_mentor_id: string | null
          reserved_until: string | null
          resume_url: string | null
          search_document: unknown
          session_type: string
          specific_questions: string | null
          status: string
          student_id: string
          tags: string[]
          timezone: string
          title: string
          updated_at: string
          urgency: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_requests"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      complete_mini_session: {
        Args: {
          action_items?: string[]
          actual_duration_minutes?: number
          follow_up_needed?: boolean
          mentor_notes?: string
          session_id: string
          topics_covered?: string[]
        }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      join_mini_session: { Args: { session_id: string }; Returns: string }
      mark_mini_no_show: {
        Args: { absent: string; session_id: string }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      mini_mentorship_analytics: {
        Args: { since?: string; until?: string }
        Returns: Database["public"]["CompositeTypes"]["mini_mentorship_analytics_report"]
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_analytics_report"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      rate_mini_session: {
        Args: { feedback?: string; rating: number; session_id: string }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      release_mini_request: {
        Args: { reason: string; request_id: string }
        Returns: {
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          claimed_at: string | null
          claimed_by_mentor_id: string | null
          completed_at: string | null
          created_at: string
          description: string
          expired_at: string | null
          expires_at: string
          follow_up_exclusive: boolean
          follow_up_of: string | null
          id: string
          last_release_reason: string | null
          last_released_at: string | null
          last_released_by: string | null
          portfolio_url: string | null
          preferred_date_end: string | null
          preferred_date_start: string | null
          preferred_duration_minutes: number
          preferred_time_slots: NonNullable<Json>
          release_count: number
          relevant_experience: string | null
          reserved_for_mentor_id: string | null
          reserved_until: string | null
          resume_url: string | null
          search_document: unknown
          session_type: string
          specific_questions: string | null
          status: string
          student_id: string
          tags: string[]
          timezone: string
          title: string
          updated_at: string
          urgency: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_requests"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      request_mini_meeting_link: {
        Args: { session_id: string }
        Returns: Database["public"]["CompositeTypes"]["mini_mentorship_meeting_link_job"]
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_meeting_link_job"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      reschedule_mini_session: {
        Args: { reason: string; scheduled_at: string; session_id: string }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      schedule_mini_session: {
        Args: {
          duration_minutes: number
          location?: string
          meeting_link?: string
          meeting_platform?: string
          meeting_type?: string
          request_id: string
          scheduled_at: string
          timezone?: string
        }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      update_mini_session_meeting: {
        Args: {
          location?: string
          meeting_link?: string
          meeting_platform?: string
          meeting_type?: string
          session_id: string
        }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
      update_mini_session_notes: {
        Args: { session_id: string; student_notes?: string }
        Returns: {
          action_items: string[] | null
          actual_duration_minutes: number | null
          cancellation_reason: string | null
          cancelled_at: string | null
          cancelled_by: string | null
          created_at: string
          duration_minutes: number
          ended_at: string | null
          ends_at: string
          follow_up_needed: boolean
          id: string
          location: string | null
          meeting_id: string | null
          meeting_link: string | null
          meeting_passcode: string | null
          meeting_platform: string
          meeting_type: string
          mentor_feedback: string | null
          mentor_id: string
          mentor_joined_at: string | null
          mentor_notes: string | null
          mentor_rating: number | null
          no_show_absent: string | null
          no_show_marked_at: string | null
          no_show_marked_by: string | null
          reminder_1hr_sent_at: string | null
          reminder_24hr_sent_at: string | null
          request_id: string
          reschedule_reason: string | null
          rescheduled_at: string | null
          scheduled_at: string
          sequence: number
          started_at: string | null
          status: string
          student_feedback: string | null
          student_id: string
          student_joined_at: string | null
          student_notes: string | null
          student_rating: number | null
          timezone: string
          topics_covered: string[] | null
          updated_at: string
        }
        SetofOptions: {
          from: "*"
          to: "mini_mentorship_sessions"
          isOneToOne: true
          isSetofReturn: false
        }
      }
    }
    Enums: {
      [_ in never]: never
    }
    CompositeTypes: {
      mini_mentorship_analytics_report: {
        since: string | null
        until: string | null
        generated_at: string | null
        requests: number | null
        requests_by_status: Json | null
        request_cancellation_rate: number | null
        follow_up_requests: number | null
        claimed_requests: number | null
        claim_rate: number | null
        average_request_to_claim_seconds: number | null
        schedulings: number | null
        average_claim_to_scheduled_seconds: number | null
        sessions: number | null
        ended_sessions: number | null
        completed_sessions: number | null
        cancelled_sessions: number | null
        no_show_sessions: number | null
        completion_rate: number | null
        no_show_rate: number | null
        session_cancellation_rate: number | null
        follow_up_needed_rate: number | null
        average_student_rating: number | null
        student_ratings: number | null
        average_mentor_rating: number | null
        mentor_ratings: number | null
        student_rating_distribution: Json | null
        mentor_rating_distribution: Json | null
        students: number | null
        repeat_students: number | null
        repeat_student_rate: number | null
        requests_per_month: Json | null
        requests_per_week: Json | null
        time_to_claim_distribution: Json | null
        by_session_type: Json | null
      }
      mini_mentorship_meeting_link_job: {
        job_id: string | null
        status: string | null
        session_id: string | null
        sequence: number | null
        queued_at: string | null
        meeting_link: string | null
      }
      mini_mentorship_request_listing: {
        id: string | null
        title: string | null
        description: string | null
        session_type: string | null
        preferred_duration_minutes: number | null
        urgency: string | null
        preferred_date_start: string | null
        preferred_date_end: string | null
        preferred_time_slots: Json | null
        timezone: string | null
        tags: string[] | null
        relevant_experience: string | null
        specific_questions: string | null
        created_at: string | null
        expires_at: string | null
        search_rank: number | null
        page_cursor: string | null
        reserved_for_you_until: string | null
      }
    }
  }
}

type DatabaseWithoutInternals = Omit<Database, "__InternalSupabase">

type DefaultSchema = DatabaseWithoutInternals[Extract<keyof Database, "public">]

export type Tables<
  DefaultSchemaTableNameOrOptions extends
    | keyof (DefaultSchema["Tables"] & DefaultSchema["Views"])
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
        DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? (DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"] &
      DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Views"])[TableName] extends {
      Row: infer R
    }
    ? R
    : never
  : DefaultSchemaTableNameOrOptions extends keyof (DefaultSchema["Tables"] &
        DefaultSchema["Views"])
    ? (DefaultSchema["Tables"] &
        DefaultSchema["Views"])[DefaultSchemaTableNameOrOptions] extends {
        Row: infer R
      }
      ? R
      : never
    : never

export type TablesInsert<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Insert: infer I
    }
    ? I
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Insert: infer I
      }
      ? I
      : never
    : never

export type TablesUpdate<
  DefaultSchemaTableNameOrOptions extends
    | keyof DefaultSchema["Tables"]
    | { schema: keyof DatabaseWithoutInternals },
  TableName extends (DefaultSchemaTableNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"]
    : never) = never,
> = DefaultSchemaTableNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaTableNameOrOptions["schema"]]["Tables"][TableName] extends {
      Update: infer U
    }
    ? U
    : never
  : DefaultSchemaTableNameOrOptions extends keyof DefaultSchema["Tables"]
    ? DefaultSchema["Tables"][DefaultSchemaTableNameOrOptions] extends {
        Update: infer U
      }
      ? U
      : never
    : never

export type Enums<
  DefaultSchemaEnumNameOrOptions extends
    | keyof DefaultSchema["Enums"]
    | { schema: keyof DatabaseWithoutInternals },
  EnumName extends (DefaultSchemaEnumNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"]
    : never) = never,
> = DefaultSchemaEnumNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[DefaultSchemaEnumNameOrOptions["schema"]]["Enums"][EnumName]
  : DefaultSchemaEnumNameOrOptions extends keyof DefaultSchema["Enums"]
    ? DefaultSchema["Enums"][DefaultSchemaEnumNameOrOptions]
    : never

export type CompositeTypes<
  PublicCompositeTypeNameOrOptions extends
    | keyof DefaultSchema["CompositeTypes"]
    | { schema: keyof DatabaseWithoutInternals },
  CompositeTypeName extends (PublicCompositeTypeNameOrOptions extends {
    schema: keyof DatabaseWithoutInternals
  }
    ? keyof DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"]
    : never) = never,
> = PublicCompositeTypeNameOrOptions extends {
  schema: keyof DatabaseWithoutInternals
}
  ? DatabaseWithoutInternals[PublicCompositeTypeNameOrOptions["schema"]]["CompositeTypes"][CompositeTypeName]
  : PublicCompositeTypeNameOrOptions extends keyof DefaultSchema["CompositeTypes"]
    ? DefaultSchema["CompositeTypes"][PublicCompositeTypeNameOrOptions]
    : never

export const Constants = {
  public: {
    Enums: {},
  },
} as const

