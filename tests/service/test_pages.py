"""The student's page in a real browser: Debian's chromium driven by Playwright, against the real
API, a Celery worker on Redis and the sandbox. Screenshots go to test-artifacts/screenshots/."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import REPO
from tests.service.factories import make_course

pytestmark = pytest.mark.sandbox
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO / "test-artifacts" / "screenshots"
SOLUTION = REPO / "notebooks" / "hw3-2022" / "solution.ipynb"


@pytest.fixture
def browser_page():
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_page(viewport={"width": 1200, "height": 900})
        yield page
        browser.close()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_student_uploads_watches_it_grade_live_and_reads_the_scores(http, admin_token, workers,
                                                                   browser_page):
    from playwright.sync_api import expect

    workers.start()
    course = make_course(http, admin_token)
    token = course.students["ada@example.edu"]
    page = browser_page
    page.goto(str(http.base_url))
    page.screenshot(path=SHOTS / "student-login.png")

    page.fill("#token", "not-a-token")
    page.click("#login-form button")
    expect(page.locator("#login-error")).to_contain_text("Log in failed")

    page.fill("#token", token)
    page.click("#login-form button")
    expect(page.locator("#who")).to_contain_text("ada@example.edu")
    page.click("text=Deep Learning: HW3")
    expect(page.locator("#assignment-info")).to_contain_text("8 questions, 100 points")

    page.evaluate("window.sameDocument = true")  # a reload would drop it
    page.set_input_files("#notebook", str(SOLUTION))
    page.click("#upload-form button")
    status = page.locator("#status")
    expect(status).to_have_text("graded", timeout=120_000)
    seen = status.get_attribute("data-seen").split(",")
    assert seen[0] in ("queued", "running") and seen[-1] == "graded", seen
    assert page.evaluate("window.sameDocument") is True  # it moved without reloading
    expect(page.locator("#total")).to_contain_text("Total 45 / 100")
    row = page.locator("#scores tbody tr", has_text="4.2:")
    expect(row).to_contain_text("10 / 10")
    expect(row).to_contain_text("passed")
    expect(page.locator("#history tbody tr")).to_have_count(1)
    expect(page.locator("#history tbody tr").first).to_contain_text("45 / 100")
    page.screenshot(path=SHOTS / "student-scores.png", full_page=True)

    # a broken upload is refused on the page with the API's reason
    page.set_input_files("#notebook", {"name": "broken.ipynb", "mimeType": "application/json",
                                       "buffer": b'{"cells": ['})
    page.click("#upload-form button")
    expect(page.locator("#upload-error")).to_contain_text("Upload refused")
    expect(page.locator("#history tbody tr")).to_have_count(1)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_instructor_reads_the_gradebook_and_histograms_downloads_csv_and_regrades(
        http, admin_token, workers, browser_page):
    from playwright.sync_api import expect

    from tests.service.factories import API, auth, upload, wait_for_status

    workers.start()
    course = make_course(http, admin_token, students=("ada@example.edu", "bob@example.edu"))
    for email in course.students:
        sub = upload(http, course.students[email], course.assignment).json()
        wait_for_status(http, course.students[email], sub["id"], timeout=120)
    page = browser_page
    page.goto(str(http.base_url))
    page.fill("#token", admin_token)
    page.click("#login-form button")
    page.click("text=Deep Learning: HW3")
    book = page.locator("#gradebook tbody tr")
    expect(book).to_have_count(2)
    expect(book.filter(has_text="ada@example.edu")).to_contain_text("45")
    # one histogram per question; 4.2's two scores of 10 sit in the top bin
    expect(page.locator("#histograms svg.histogram")).to_have_count(8)
    bars = page.locator('svg[aria-label="histogram of 4.2"] rect')
    assert [bars.nth(i).get_attribute("data-count") for i in range(5)] == ["0", "0", "0", "0",
                                                                           "2"]
    # free-response answers nobody has graded yet are "to grade", and no histogram counts them
    expect(book.filter(has_text="ada@example.edu")).to_contain_text("to grade")
    expect(page.locator('figure:has(svg[aria-label="histogram of 2"]) figcaption')).to_have_text(
        "2 (0 graded)")
    page.screenshot(path=SHOTS / "instructor-gradebook.png", full_page=True)

    book.filter(has_text="ada@example.edu").locator("text=Grade by hand").click()
    expect(page.locator("#answers .answer").first).to_contain_text("Your answer (1)")
    page.fill('#manual-scores input[name="1-written"]', "12")
    page.fill('#manual-scores input[name="2"]', "20")
    page.fill('#manual-scores textarea[name="2-comment"]', "Clear on attention; cite the paper.")
    page.click("#manual-save")
    expect(page.locator("#manual-status")).to_contain_text("Saved: total 77 / 100")
    expect(book.filter(has_text="ada@example.edu")).to_contain_text("77")
    expect(page.locator('figure:has(svg[aria-label="histogram of 2"]) figcaption')).to_have_text(
        "2 (1 graded)")
    bars = page.locator('svg[aria-label="histogram of 2"] rect')
    assert bars.nth(4).get_attribute("data-count") == "1"
    page.screenshot(path=SHOTS / "instructor-manual-grading.png", full_page=True)
    # the student reads the comment with the score
    ada = course.students["ada@example.edu"]
    sid = book_submission(http, course.instructor, course.assignment, "ada@example.edu")
    q2 = next(q for q in http.get(f"{API}/submissions/{sid}/result", headers=auth(ada))
              .json()["questions"] if q["id"] == "2")
    assert (q2["score"], q2["feedback"]) == (20, ["Clear on attention; cite the paper."])
    # reopening the form shows what was saved
    book.filter(has_text="ada@example.edu").locator("text=Grade by hand").click()
    expect(page.locator('#manual-scores textarea[name="2-comment"]')).to_have_value(
        "Clear on attention; cite the paper.")

    with page.expect_download() as download:
        page.click("#csv")
    csv_text = download.value.path().read_text()
    assert "ada@example.edu" in csv_text and "77" in csv_text

    page.click("#regrade")
    expect(page.locator("#regrade-progress")).to_contain_text("regraded 2 of 2 — done",
                                                              timeout=120_000)
    expect(book.filter(has_text="ada@example.edu")).to_contain_text("77")  # hand points kept


def book_submission(http, token: str, assignment: int, email: str) -> int:  # noqa: ANN001
    from tests.service.factories import API, auth

    rows = http.get(f"{API}/assignments/{assignment}/gradebook", headers=auth(token)).json()
    return next(r["submission_id"] for r in rows["students"] if r["student"] == email)
