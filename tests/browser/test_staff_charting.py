"""A therapist charts at the table, on a tablet: checks the client in, taps the body map to add
treated points, writes the SOAP note (saved as a draft as they type), signs it with the
confirmation that it locks, is refused an edit from a stale tab, adds an amendment; and the
same charting with the keyboard alone. Axe-core finds no serious or critical violation."""

import re

import pytest
import time_machine
from playwright.sync_api import expect

from tests.browser.conftest import assert_accessible
from tests.factories import PASSWORD
from tests.staff.conftest import NOW, build_clinic
from treatments.models import TreatmentNote

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def desk(transactional_db):
    with time_machine.travel(NOW, tick=True):
        yield build_clinic()


@pytest.fixture
def tablet(browser):
    context = browser.new_context(viewport={"width": 1024, "height": 1366}, has_touch=True)
    yield context
    context.close()


def sign_in(page, site, user):
    site.open(page, "/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/staff/**")


def region(page, muscle, side):
    return page.locator(f"#chart-map .bm-region[data-muscle='{muscle}'][data-side='{side}']")


def test_a_therapist_charts_by_tapping_the_map_signs_and_amends(desk, site, tablet):
    page = tablet.new_page()
    sign_in(page, site, desk.tess.user)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Tess Moreau")
    assert_accessible(page)
    page.get_by_role("button", name="Check in: Carl Bishop, 10:00").click()
    expect(page.get_by_text("Checked in.")).to_be_visible()
    page.get_by_role("link", name=re.compile(r"^Chart\W+Carl Bishop")).click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("Chart: Carl Bishop")
    assert page.locator("main h2").first.inner_text() in ("Contraindications", "Body map")
    stale = tablet.new_page()  # the same chart left open in another tab
    stale.goto(page.url)

    region(page, "upper_trapezius", "right").tap()
    row = page.locator("[data-point-row]").last
    expect(row.locator("legend")).to_have_text("Upper trapezius, right")
    expect(page.get_by_role("heading", name=re.compile("Upper trapezius .*refers"))).to_be_visible()
    row.get_by_label("Technique").select_option("pin_and_stretch")
    row.get_by_label("Pressure (1-5)").fill("4")
    row.get_by_label("Pain before (0-10)").fill("7")
    row.get_by_label("Pain after (0-10)").fill("3")
    row.get_by_label("Referral reproduced").check()
    page.get_by_label("Subjective").fill("Right-sided headaches, three a week.")
    expect(page.locator("#save-status")).to_contain_text("Draft saved at", timeout=10_000)
    note = TreatmentNote.objects.get(booking=desk.carls_visit)
    assert note.subjective == "Right-sided headaches, three a week."
    [treated] = note.treated_trigger_points.all()
    assert (treated.muscle, treated.side, treated.pressure, treated.pain_after) == (
        "upper_trapezius",
        "right",
        4,
        3,
    )
    assert treated.technique == "pin_and_stretch" and treated.referral_reproduced
    assert_accessible(page)

    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_text("Tick the box to confirm")).to_be_visible()
    page.get_by_label(re.compile("signing locks this note")).check()
    page.get_by_role("button", name="Sign and lock").click()
    expect(page.get_by_text("Signed: the note is locked.")).to_be_visible()
    note.refresh_from_db()
    assert note.is_signed
    assert page.locator("#chart-form").count() == 0
    assert_accessible(page)

    stale.get_by_label("Plan").fill("Changed after signing")
    stale.get_by_role("button", name="Save draft").click()
    expect(stale.get_by_text(re.compile("is locked; add an amendment instead"))).to_be_visible()
    note.refresh_from_db()
    assert note.plan == ""

    page.get_by_label("Amendment").fill("Pressure was 4, not 3, on the first pass.")
    page.get_by_role("button", name="Add amendment").click()
    expect(page.get_by_text("Amendment added.")).to_be_visible()
    expect(page.get_by_text("Pressure was 4, not 3, on the first pass.")).to_be_visible()
    assert note.amendments.count() == 1


def tab_to(page, selector: str, limit: int = 250) -> None:
    for _ in range(limit):
        if page.evaluate(f"document.activeElement.matches({selector!r})"):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def test_charting_with_the_keyboard_alone(desk, site, tablet):
    desk.carls_visit.status = "checked_in"
    desk.carls_visit.save()
    page = tablet.new_page()
    sign_in(page, site, desk.tess.user)
    site.open(page, f"/staff/visits/{desk.carls_visit.pk}/chart/")

    # A region of the map, reached and chosen with the keyboard.
    tab_to(page, "#chart-map .bm-region[data-muscle='upper_trapezius'][data-side='left']")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.name").endswith("-technique")
    page.keyboard.press("Tab")  # pressure
    page.keyboard.type("2")
    page.keyboard.press("Tab")
    page.keyboard.type("5")
    page.keyboard.press("Tab")
    page.keyboard.type("2")

    # "Add a point" from the lists.
    tab_to(page, "#add-muscle")
    page.keyboard.type("Scal")  # Scalenes
    page.keyboard.press("Tab")
    page.keyboard.type("Bil")  # Bilateral
    tab_to(page, "[data-add-point]")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # from the technique to the pressure
    page.keyboard.press("Control+A")
    page.keyboard.type("3")
    page.keyboard.press("Tab")
    page.keyboard.type("6")
    page.keyboard.press("Tab")
    page.keyboard.type("4")

    tab_to(page, "textarea[name='assessment']")
    page.keyboard.type("Both patterns reproduced.")
    tab_to(page, "input[name='confirm']")
    page.keyboard.press("Space")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Sign and lock

    expect(page.get_by_text("Signed: the note is locked.")).to_be_visible()
    note = TreatmentNote.objects.get(booking=desk.carls_visit)
    assert note.is_signed and note.assessment == "Both patterns reproduced."
    assert [
        (p.muscle, p.side, p.pain_before, p.pain_after) for p in note.treated_trigger_points.all()
    ] == [
        ("upper_trapezius", "left", 5, 2),
        ("scalenes", "bilateral", 6, 4),
    ]


def test_nothing_typed_is_lost_when_the_connection_drops_or_the_page_reloads(desk, site, tablet):
    desk.carls_visit.status = "checked_in"
    desk.carls_visit.save()
    page = tablet.new_page()
    sign_in(page, site, desk.tess.user)
    site.open(page, f"/staff/visits/{desk.carls_visit.pk}/chart/")

    tablet.set_offline(True)
    page.get_by_label("Subjective").fill("Typed while the wifi was down.")
    expect(page.locator("#save-status")).to_contain_text("Kept on this tablet", timeout=10_000)
    assert not TreatmentNote.objects.filter(booking=desk.carls_visit).exists()
    tablet.set_offline(False)
    expect(page.locator("#save-status")).to_contain_text("Draft saved at", timeout=15_000)
    note = TreatmentNote.objects.get(booking=desk.carls_visit)
    assert note.subjective == "Typed while the wifi was down."

    # Typed, then the page went away before the draft was sent: it comes back and is saved.
    page.get_by_label("Plan").fill("Weekly for a month.")
    page.evaluate(
        "document.getElementById('chart-form').setAttribute('data-draft-url', '/nowhere/')"
    )
    page.reload()
    expect(page.get_by_label("Plan")).to_have_value("Weekly for a month.")
    expect(page.locator("#save-status")).to_contain_text("Draft saved at", timeout=10_000)
    note.refresh_from_db()
    assert note.plan == "Weekly for a month."
