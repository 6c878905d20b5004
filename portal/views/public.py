"""The public pages: home (the clinic, its services and therapists, what trigger point
massage is) with schema.org data for search engines, and the sitemap."""

import json
from decimal import Decimal

from django.db.models import Max, Min
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse

from clinic.models import Clinic, Modality
from portal.views.booking import active_services, by_modality
from therapists.models import Therapist, WorkingHours

DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def opening_hours():
    """When someone works, day by day: the earliest start and latest end of active therapists."""
    rows = (
        WorkingHours.objects.filter(therapist__active=True)
        .values("weekday")
        .annotate(opens=Min("start_time"), closes=Max("end_time"))
        .order_by("weekday")
    )
    return [
        {"day": DAY_NAMES[row["weekday"]], "opens": row["opens"], "closes": row["closes"]}
        for row in rows
    ]


def structured_data(request, clinic, services, therapists, hours) -> str:
    """schema.org: the clinic as a local business (a massage business), for the home page's
    `application/ld+json` block (data, not a script: the CSP allows it)."""
    base = request.build_absolute_uri("/")
    data = {
        "@context": "https://schema.org",
        "@type": "HealthAndBeautyBusiness",
        "additionalType": "https://schema.org/MassageTherapy",
        "name": clinic.name,
        "url": base,
        "openingHoursSpecification": [
            {
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": f"https://schema.org/{h['day']}",
                "opens": h["opens"].strftime("%H:%M"),
                "closes": h["closes"].strftime("%H:%M"),
            }
            for h in hours
        ],
        "hasOfferCatalog": {
            "@type": "OfferCatalog",
            "name": "Massage therapy",
            "itemListElement": [
                {
                    "@type": "Offer",
                    "price": str(s.price.quantize(Decimal("0.01"))),
                    "priceCurrency": "CAD",
                    "itemOffered": {
                        "@type": "Service",
                        "name": s.name,
                        "description": s.description or s.get_modality_display(),
                        "serviceType": s.get_modality_display(),
                    },
                }
                for s in services
            ],
        },
        "employee": [
            {
                "@type": "Person",
                "name": t.display_name,
                "jobTitle": "Massage therapist",
                **({"image": t.photo_url} if t.photo_url else {}),
            }
            for t in therapists
        ],
    }
    if clinic.address:
        data["address"] = {"@type": "PostalAddress", "streetAddress": clinic.address}
    if clinic.phone:
        data["telephone"] = clinic.phone
    if clinic.email:
        data["email"] = clinic.email
    text = json.dumps(data, ensure_ascii=False, indent=1)
    # Inside <script>, "</" and "<!--" must not appear: escape < > & as JSON does allow.
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def home(request):
    clinic = Clinic.get()
    services = list(active_services())
    therapists = list(Therapist.objects.filter(active=True).order_by("display_name", "id"))
    labels = dict(Modality.choices)
    for therapist in therapists:
        therapist.modality_labels = [labels.get(m, m) for m in therapist.modalities]
    hours = opening_hours()
    return render(
        request,
        "portal/home.html",
        {
            "groups": by_modality(services),
            "therapists": therapists,
            "hours": hours,
            "structured_data": structured_data(request, clinic, services, therapists, hours),
        },
    )


def sitemap(request):
    urls = [request.build_absolute_uri(reverse(name)) for name in ("portal:home", "portal:book")]
    urls += [
        request.build_absolute_uri(reverse("portal:book-times", args=[s.pk]))
        for s in active_services()
    ]
    body = render_to_string("portal/sitemap.xml", {"urls": urls})
    return HttpResponse(body, content_type="application/xml")
