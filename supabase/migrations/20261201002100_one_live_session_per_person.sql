-- One live session per person, whatever their role (security hardening, issue 8 part 3).
--
-- The exclusion constraints on mini_mentorship_sessions compare mentor with mentor and student with student,
-- so someone who is both (a mentor who also posts requests) could hold two overlapping live sessions, once in
-- each role. private.session_participants holds one row per participant of every live (scheduled or
-- in-progress) session, kept by a trigger for every writer, with ONE exclusion constraint on (person, time):
-- a person's live sessions never overlap, whichever side they are on. The trigger re-raises a violation as
-- 23P01 naming the session table's constraint of the side that collided
-- (mini_mentorship_sessions_student_no_overlap / _mentor_no_overlap), so the RPCs keep answering PT409
-- student_busy / mentor_busy. Writers already queue on per-person advisory locks (private.lock_participants);
-- the before trigger now takes them for every writer too, so concurrent cross-role writes wait instead of
-- deadlocking.

create table private.session_participants (
    session_id uuid not null references public.mini_mentorship_sessions (id) on delete cascade,
    person_id uuid not null,
    side text not null,
    during tstzrange not null,
    constraint session_participants_pkey primary key (session_id, side),
    constraint session_participants_side_is_known check (side in ('student', 'mentor')),
    constraint session_participants_no_overlap exclude using gist (
        person_id extensions.gist_uuid_ops with =,
        during with &&
    )
);

comment on table private.session_participants is
'One row per participant of each live (scheduled or in-progress) session, maintained by the trigger '
'sync_session_participants; its exclusion constraint keeps any person''s live sessions from overlapping, '
'across the student and mentor roles. Invisible to the API roles.';
comment on column private.session_participants.session_id is 'The live session.';
comment on column private.session_participants.person_id is 'A participant (the session''s student or mentor).';
comment on column private.session_participants.side is 'Which side of the session the person is on.';
comment on column private.session_participants.during is 'The session''s [scheduled_at, ends_at).';
comment on constraint session_participants_no_overlap on private.session_participants is
'Nobody holds two overlapping live sessions, whether as student or as mentor in either of them.';

create index session_participants_person_id_idx on private.session_participants (person_id);

alter table private.session_participants enable row level security;
revoke all on private.session_participants from public, anon, authenticated, service_role;

-- Existing live sessions (an overlap across roles that slipped in before this migration keeps its first
-- session here; the next write of the other one is then checked).
insert into private.session_participants (session_id, person_id, side, during)
select
    s.id,
    p.person_id,
    p.side,
    tstzrange(s.scheduled_at, s.ends_at, '[)') as during
from public.mini_mentorship_sessions as s
cross join lateral (values (s.student_id, 'student'), (s.mentor_id, 'mentor')) as p (person_id, side)
where s.status in ('scheduled', 'in-progress')
order by s.created_at, s.id
on conflict do nothing;

-- Before a live session is written: queue behind other writers of either participant's sessions.
create function private.lock_session_participants()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
    if new.status in ('scheduled', 'in-progress')
        and (
            tg_op = 'INSERT'
            or new.scheduled_at is distinct from old.scheduled_at
            or new.duration_minutes is distinct from old.duration_minutes
        ) then
        perform private.lock_participants(new.student_id, new.mentor_id);
    end if;
    return new;
end
$$;

comment on function private.lock_session_participants() is
'Trigger function (before insert or update on mini_mentorship_sessions): when a live session is created or '
'moved, takes the per-person advisory locks of its participants (private.lock_participants) for every '
'writer, so overlapping writes queue '
'and the loser gets a clean 23P01 instead of a deadlock.';

-- After a session is written: its participant rows follow its status and time.
create function private.sync_session_participants()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
    live boolean := new.status in ('scheduled', 'in-progress');
    span tstzrange := tstzrange(new.scheduled_at, new.ends_at, '[)');
begin
    if tg_op = 'UPDATE'
        and (old.status in ('scheduled', 'in-progress')) = live
        and tstzrange(old.scheduled_at, old.ends_at, '[)') = span then
        return null;
    end if;
    delete from private.session_participants as p where p.session_id = new.id;
    if not live then
        return null;
    end if;
    begin
        insert into private.session_participants (session_id, person_id, side, during)
        values (new.id, new.student_id, 'student', span);
    exception
        when exclusion_violation then
            raise exception using
                errcode = 'exclusion_violation',
                message = 'The student already has another live session at that time.',
                constraint = 'mini_mentorship_sessions_student_no_overlap',
                schema = 'public',
                table = 'mini_mentorship_sessions';
    end;
    begin
        insert into private.session_participants (session_id, person_id, side, during)
        values (new.id, new.mentor_id, 'mentor', span);
    exception
        when exclusion_violation then
            raise exception using
                errcode = 'exclusion_violation',
                message = 'The mentor already has another live session at that time.',
                constraint = 'mini_mentorship_sessions_mentor_no_overlap',
                schema = 'public',
                table = 'mini_mentorship_sessions';
    end;
    return null;
end
$$;

comment on function private.sync_session_participants() is
'Trigger function (after insert or update on mini_mentorship_sessions): keeps private.session_participants '
'equal to the live sessions'' participants and times. A cross-role overlap raises 23P01 naming the session '
'table''s constraint of the side that collided (student_no_overlap / mentor_no_overlap), which the RPCs '
'translate to PT409 student_busy / mentor_busy.';

create trigger lock_session_participants
before insert or update on public.mini_mentorship_sessions
for each row execute function private.lock_session_participants();

create trigger sync_session_participants
after insert or update on public.mini_mentorship_sessions
for each row execute function private.sync_session_participants();

revoke execute on function private.lock_session_participants() from public, anon, authenticated, service_role;
revoke execute on function private.sync_session_participants() from public, anon, authenticated, service_role;
