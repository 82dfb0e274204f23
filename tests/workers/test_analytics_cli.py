"""`mini-mentorship analytics`: the admin report through the PostgREST path, as charts, JSON or CSV; a clear
one-line error for anyone else."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable

import pytest
from typer.testing import CliRunner

from mini_mentorship.cli import app
from mini_mentorship.testing.api import Api
from mini_mentorship.testing.database import Database
from tests.sql.builders import Sessions
from tests.sql.requests_support import create_request

MakeUser = Callable[..., uuid.UUID]
AsUser = Callable[[uuid.UUID], Api]


@pytest.fixture
def history(db: Database, make_user: MakeUser, as_user: AsUser) -> Sessions:
    """Three requests: one completed and rated 5 / 4, one open, one cancelled; and an admin."""
    sessions = Sessions(db, make_user, as_user)
    done = sessions.completed(session_type="interview_prep")
    done.as_student.rpc("rate_mini_session", session_id=done.session_id, rating=5, feedback=None)
    done.as_mentor.rpc("rate_mini_session", session_id=done.session_id, rating=4, feedback=None)
    student = as_user(sessions.student())
    create_request(student, session_type="career_advice")
    cancelled = create_request(student, session_type="career_advice")
    student.rpc("cancel_mini_request", request_id=cancelled["id"], reason="found help")
    make_user("admin", admin=True, email="boss@example.test")
    return sessions


def analytics(db: Database, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["analytics", "--db-url", db.url, *args], env={"COLUMNS": "100"})
    return result.exit_code, result.output


def test_an_admin_sees_tables_and_charts_that_fit_100_columns(db: Database, history: Sessions) -> None:
    code, output = analytics(db)
    assert code == 0, output
    assert max(len(line) for line in output.splitlines()) <= 100, "no line wider than 100 columns"
    for title in ("Mini-mentorship analytics, all time", "Requests per week (Monday, UTC) by current status",
                  "Time from request to first claim", "Rates (sessions: over ended sessions)",
                  "Ratings: by students", "Top session types (of 2), by requests"):
        assert title in output, f"the report shows: {title}"
    assert "│ requests                 │ 3 " in output
    assert "sessions completed 100%" in " ".join(output.split()), "the completed session's rate"
    assert "career_advice 2" in " ".join(output.split()), "the top session type first"


def test_json_is_the_rpc_row(db: Database, history: Sessions) -> None:
    code, output = analytics(db, "--json", "--as-user", "boss@example.test")
    assert code == 0, output
    report = json.loads(output)
    assert report["requests"] == 3 and report["claim_rate"] == 0.3333
    assert report["requests_by_status"]["cancelled"] == 1
    assert report["student_rating_distribution"]["5"] == 1 and report["mentor_rating_distribution"]["4"] == 1
    assert [b["claims"] for b in report["time_to_claim_distribution"]] == [1, 0, 0, 0, 0]


def test_csv_flattens_the_figures(db: Database, history: Sessions) -> None:
    code, output = analytics(db, "--csv")
    assert code == 0, output
    rows = dict(csv.reader(io.StringIO(output)))
    assert rows.pop("figure") == "value", "a header row"
    assert rows["requests"] == "3" and rows["requests_by_status.open"] == "1"
    assert rows["by_session_type.interview_prep.completion_rate"] == "1.0"
    assert rows["time_to_claim_distribution.under 1 h.claims"] == "1"
    assert rows["average_mentor_rating"] == "4.0"


def test_a_period_selects_requests_by_creation(db: Database, history: Sessions) -> None:
    code, output = analytics(db, "--json", "--since", "2020-01-01", "--until", "2020-02-01")
    assert code == 0, output
    assert json.loads(output)["requests"] == 0
    code, output = analytics(db, "--since", "2020-02-01T00:00:00Z", "--until", "2020-01-01T00:00:00Z")
    assert code == 1 and "error: --since: The start of the period must not be after its end." in output


def test_without_admin_rights_the_error_is_one_clear_line(db: Database, history: Sessions,
                                                          make_user: MakeUser) -> None:
    make_user("mentor", email="mentor.x@example.test")
    code, output = analytics(db, "--as-user", "mentor.x@example.test")
    assert code == 1
    assert output.startswith("error: Only admins can see mini-mentorship analytics. mentor.x@example.test is not "
                             "an admin"), output
    assert "Traceback" not in output
    code, output = analytics(db, "--as-user", "nobody@example.test")
    assert (code, output.strip()) == (1, "error: no user 'nobody@example.test' in auth.users (give an email or a "
                                         "user id)")
    code, output = analytics(db, "--json", "--csv")
    assert code == 1 and "choose one of --json and --csv" in output


def test_without_any_admin_it_says_how_to_make_one(db: Database) -> None:
    code, output = analytics(db)
    assert code == 1 and "no admin user found: pass --as-user EMAIL" in output
