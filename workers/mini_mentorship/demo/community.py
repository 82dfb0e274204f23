"""Who is in the demo (supabase/seed.sql creates them) and what they ask for.

Four students and four mentors in eight time zones: three mentors in the matching pool, Ken outside it, and
an admin. The requests cover every session type and every urgency.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass


@dataclass(frozen=True)
class Person:
    id: uuid.UUID
    name: str
    role: str
    zone: str

    def __str__(self) -> str:
        return self.name


def _person(number: int, name: str, role: str, zone: str) -> Person:
    return Person(uuid.UUID(f"00000000-0000-4000-a000-{number:012d}"), name, role, zone)


ADA = _person(1, "Ada", "student", "America/Chicago")
GRACE = _person(2, "Grace", "student", "Europe/Berlin")
PRIYA = _person(3, "Priya", "student", "Asia/Kolkata")
TOMAS = _person(4, "Tomás", "student", "America/Sao_Paulo")
LINUS = _person(11, "Linus", "pool mentor", "America/New_York")
BARBARA = _person(12, "Barbara", "pool mentor", "Europe/London")
KEN = _person(13, "Ken", "mentor outside the pool", "Asia/Tokyo")
MARGARET = _person(14, "Margaret", "pool mentor", "Australia/Sydney")
ADMIN = _person(99, "Admin", "admin", "UTC")

EVERYONE = [ADA, GRACE, PRIYA, TOMAS, LINUS, BARBARA, MARGARET, KEN, ADMIN]
POOL_MENTORS = [LINUS, BARBARA, MARGARET]


@dataclass(frozen=True)
class Ask:
    """One request a student posts: (student, session type, urgency, minutes, title, description, tags)."""

    student: Person
    session_type: str
    urgency: str
    minutes: int
    title: str
    description: str
    tags: tuple[str, ...]


# The first three drive the story: the race, the cancelled session, the no-show.
ASKS = [
    Ask(ADA, "interview_prep", "high", 45, "Mock system-design interview",
        "A 45-minute practice round on designing a URL shortener.", ("system-design", "interviews")),
    Ask(PRIYA, "resume_review", "urgent", 30, "Resume review before Friday's deadline",
        "Two pages for a backend role; what should go?", ("resume",)),
    Ask(GRACE, "career_advice", "normal", 30, "From research into industry",
        "How do I explain a PhD to a hiring manager?", ("career", "research")),
    Ask(TOMAS, "skill_learning", "low", 60, "PostgreSQL window functions",
        "I get GROUP BY; I want to understand OVER (...).", ("sql", "postgres")),
    Ask(ADA, "project_guidance", "normal", 60, "Scoping my capstone project",
        "Three ideas, eight weeks: which one fits?", ("projects",)),
    Ask(GRACE, "technical_help", "urgent", 30, "Flaky async tests in pytest",
        "They pass alone and fail together.", ("python", "testing")),
    Ask(PRIYA, "portfolio_review", "low", 45, "Feedback on my portfolio site",
        "Is it clear what I built and why?", ("portfolio",)),
    Ask(TOMAS, "networking_advice", "high", 30, "Talking to speakers at a conference",
        "Next week is my first conference.", ("networking",)),
    Ask(ADA, "other", "normal", 30, "Choosing a first open-source project",
        "Where do I start contributing?", ("open-source",)),
]
