"""The public pages: home (services by modality, therapists, what trigger point massage is,
schema.org data) and the sitemap; anonymous pages may be cached, their CSP holds."""

import json
import re
from xml.etree import ElementTree

import pytest

from tests import factories

pytestmark = pytest.mark.django_db


def ld_json(html: str) -> dict:
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    return json.loads(block.group(1))


def test_home_shows_services_by_modality_therapists_and_what_trigger_points_are(anon, world):
    world.tess.photo_url = "https://example.com/tess.jpg"
    world.tess.save()

    page = anon.get("/")
    html = page.content.decode()

    assert page.status_code == 200
    assert "What is trigger point massage?" in html and "headache" in html
    assert html.index("<h3>Deep tissue massage</h3>") < html.index("<h3>Trigger point therapy</h3>")
    assert "60 minutes · $95.00" in html
    assert 'src="https://example.com/tess.jpg" alt="Photo of Tess"' in html
    assert "Tess untangles shoulders." in html
    assert "Deep tissue massage, Trigger point therapy" in html  # her modalities
    assert "Content-Security-Policy" in page.headers


def test_home_carries_the_clinic_as_a_local_business_for_search_engines(anon, world):
    data = ld_json(anon.get("/").content.decode())

    assert data["@context"] == "https://schema.org"
    assert data["name"] == "Quiet Hands Clinic"
    assert data["address"]["streetAddress"] == "12 Elm St, Guelph"
    assert data["telephone"] == "519-555-0100"
    offers = data["hasOfferCatalog"]["itemListElement"]
    assert {o["itemOffered"]["name"] for o in offers} == {
        "Trigger point therapy",
        "Deep tissue massage",
    }
    assert {e["name"] for e in data["employee"]} == {"Tess", "Omar"}
    assert data["openingHoursSpecification"][0] == {
        "@type": "OpeningHoursSpecification",
        "dayOfWeek": "https://schema.org/Monday",
        "opens": "09:00",
        "closes": "17:00",
    }


def test_the_structured_data_cannot_break_out_of_its_script(anon, world):
    world.clinic.name = "</script><script>alert(1)</script>"
    world.clinic.save()

    html = anon.get("/").content.decode()

    assert "<script>alert(1)" not in html
    assert ld_json(html)["name"] == "</script><script>alert(1)</script>"


def test_the_sitemap_lists_the_public_pages(anon, world):
    answer = anon.get("/sitemap.xml")
    root = ElementTree.fromstring(answer.content)
    urls = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]

    assert answer["Content-Type"] == "application/xml"
    assert "http://testserver/" in urls and "http://testserver/book/" in urls
    assert f"http://testserver/book/{world.trigger.pk}/" in urls


def test_an_inactive_service_is_neither_shown_nor_bookable(anon, world):
    world.deep.active = False
    world.deep.save()

    assert "Deep tissue massage" not in anon.get("/book/").content.decode()
    assert anon.get(f"/book/{world.deep.pk}/").status_code == 404


def test_home_takes_a_constant_number_of_queries(anon, world, django_assert_max_num_queries):
    for n in range(5):
        factories.make_therapist(display_name=f"T{n}", services=[world.trigger])
        factories.make_service(name=f"S{n}")
    with django_assert_max_num_queries(6):
        anon.get("/")
