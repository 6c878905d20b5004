"""The load mix of bench/load.py (run by it; not on its own): clients search availability, book,
list and cancel; therapists read their day, chart checked-in visits (write, edit, sign) and
read charts and trigger point progress, through the API and through the staff screens (signed
in with a session: Today, the chart page, drafts saved twice as the page's script does, sign,
the client's progress); portal visitors open the home page, a week of free
times and their account in a session. Each simulated person has their own login.

With LOAD_HOSTS (comma-separated base URLs, as bench/scale_out.py sets), each simulated person
is pinned to one of them in turn, as a load balancer would spread them over web machines.

A 409 on booking is a lost race for a slot another client took a moment earlier: an expected
answer under load, counted apart, not an error. Anything else unexpected is an error.
"""

import itertools
import json
import os
import random
from datetime import date, timedelta

from locust import HttpUser, between, events, task

WORLD = json.loads(open(os.environ["LOAD_WORLD"]).read())  # noqa: SIM115
OUTCOMES = {
    "booked": 0,
    "conflicts": 0,
    "cancelled": 0,
    "notes": 0,
    "signed": 0,
    "page_drafts": 0,
    "page_signed": 0,
}
_clients = itertools.count()
_therapists = itertools.count()
_visitors = itertools.count()
_hosts = itertools.cycle([h for h in os.environ.get("LOAD_HOSTS", "").split(",") if h] or [None])
# Visits to chart, shared by the simulated users of one therapist (one gevent process: a pop
# is atomic), so no visit is charted twice.
TO_CHART = [
    random.sample(login["visits"], len(login["visits"])) for login in WORLD["therapist_logins"]
]


def _pin_to_a_host(user: HttpUser) -> None:
    host = next(_hosts)
    if host:
        user.client.base_url = host


@events.test_stop.add_listener
def _write_outcomes(environment, **kwargs):
    with open(os.environ["LOAD_OUTCOMES"], "w") as out:
        json.dump(OUTCOMES, out)


def _day(offset: int) -> str:
    return (date.fromisoformat(WORLD["today"]) + timedelta(days=offset)).isoformat()


class ClientUser(HttpUser):
    weight = 4
    wait_time = between(1, 3)

    def on_start(self):
        _pin_to_a_host(self)
        self.client.headers["Authorization"] = (
            "Token " + WORLD["clients"][next(_clients) % len(WORLD["clients"])]
        )
        self.slots = []
        self.mine = []

    @task(6)
    def search(self):
        therapist = random.choice(WORLD["therapists"])
        day = _day(random.randint(2, WORLD["days"] + 1))
        response = self.client.get(
            f"/api/v1/availability/?service={WORLD['service']}&therapist={therapist}"
            f"&start={day}&end={day}",
            name="GET /availability/",
        )
        if response.status_code == 200:
            self.slots = response.json()["results"]

    @task(3)
    def book(self):
        if not self.slots:
            return self.search()
        slot = self.slots.pop(random.randrange(len(self.slots)))
        body = {"therapist": slot["therapist"], "service": WORLD["service"], "start": slot["start"]}
        with self.client.post(
            "/api/v1/bookings/", json=body, name="POST /bookings/", catch_response=True
        ) as response:
            if response.status_code == 201:
                self.mine.append(response.json()["id"])
                OUTCOMES["booked"] += 1
                response.success()
            elif response.status_code == 409:
                OUTCOMES["conflicts"] += 1
                response.success()
            else:
                response.failure(f"{response.status_code} {response.text[:200]}")

    @task(2)
    def my_bookings(self):
        self.client.get("/api/v1/bookings/?status=requested", name="GET /bookings/ (client)")

    @task(1)
    def cancel(self):
        if not self.mine:
            return
        booking = self.mine.pop(random.randrange(len(self.mine)))
        response = self.client.post(
            f"/api/v1/bookings/{booking}/cancel/",
            json={"reason": "Something came up"},
            name="POST /bookings/{id}/cancel/",
        )
        if response.status_code == 200:
            OUTCOMES["cancelled"] += 1


class TherapistUser(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        _pin_to_a_host(self)
        index = next(_therapists) % len(WORLD["therapist_logins"])
        me = WORLD["therapist_logins"][index]
        self.client.headers["Authorization"] = "Token " + me["token"]
        self.to_chart = TO_CHART[index]
        self.clients = me["clients"]
        self.drafts = []

    @task(3)
    def my_day(self):
        day = _day(random.randint(2, WORLD["days"] + 1))
        self.client.get(
            f"/api/v1/bookings/?date_from={day}&date_to={day}", name="GET /bookings/ (therapist)"
        )

    @task(2)
    def write_note(self):
        if not self.to_chart:
            return
        body = {
            "booking": self.to_chart.pop(),
            "subjective": "Headaches most afternoons, right side.",
            "objective": "Active point in right upper trapezius.",
            "assessment": "Upper trapezius referral pattern.",
            "plan": "Weekly for four weeks.",
            "treated_trigger_points": [
                {
                    "muscle": "upper_trapezius",
                    "side": "right",
                    "technique": "ischemic_compression",
                    "pressure": 3,
                    "pain_before": 7,
                    "pain_after": 4,
                    "referral_reproduced": True,
                }
            ],
        }
        response = self.client.post("/api/v1/treatment-notes/", json=body, name="POST /notes/")
        if response.status_code == 201:
            self.drafts.append(response.json()["id"])
            OUTCOMES["notes"] += 1

    @task(1)
    def edit_and_sign(self):
        if not self.drafts:
            return
        note = self.drafts.pop()
        self.client.patch(
            f"/api/v1/treatment-notes/{note}/",
            json={"plan": "Weekly for four weeks; heat at home."},
            name="PATCH /notes/{id}/",
        )
        response = self.client.post(f"/api/v1/treatment-notes/{note}/sign/", name="POST sign")
        if response.status_code == 200:
            OUTCOMES["signed"] += 1

    @task(3)
    def read_chart(self):
        client = random.choice(self.clients)
        self.client.get(f"/api/v1/treatment-notes/?client={client}", name="GET /notes/?client=")
        self.client.get(f"/api/v1/clients/{client}/trigger-point-progress/", name="GET progress/")


class PortalUser(HttpUser):
    """A client on the portal's pages: the home page, a week of free times, their account
    (signed in with a session, as a browser does: the sign-in page's CSRF cookie and form)."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        _pin_to_a_host(self)
        username = WORLD["client_usernames"][next(_visitors) % len(WORLD["client_usernames"])]
        self.client.get("/sign-in/", name="GET /sign-in/ (page)")
        self.client.post(
            "/sign-in/",
            data={
                "username": username,
                "password": WORLD["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="POST /sign-in/ (page)",
        )

    @task(2)
    def home(self):
        self.client.get("/", name="GET / (page)")

    @task(4)
    def week_of_times(self):
        week = _day(random.randint(1, WORLD["days"]))
        self.client.get(f"/book/{WORLD['service']}/?week={week}", name="GET /book/{id}/ (page)")

    @task(2)
    def account(self):
        self.client.get("/account/", name="GET /account/ (page)")


POINT = {
    "points-0-muscle": "upper_trapezius",
    "points-0-side": "right",
    "points-0-technique": "ischemic_compression",
    "points-0-pressure": "3",
    "points-0-pain_before": "7",
    "points-0-pain_after": "4",
    "points-0-referral_reproduced": "on",
    "points-0-note": "",
}


class TherapistPageUser(HttpUser):
    """A therapist on the staff screens: a session, and the chart page's draft endpoint."""

    weight = 1
    wait_time = between(1, 3)

    def on_start(self):
        _pin_to_a_host(self)
        index = next(_therapists) % len(WORLD["therapist_logins"])
        me = WORLD["therapist_logins"][index]
        self.to_chart = TO_CHART[index]
        self.clients = me["clients"]
        self.client.get("/sign-in/", name="GET /sign-in/")
        self.client.post(
            "/sign-in/",
            {
                "username": f"rmt{index}",
                "password": "bench",
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="POST /sign-in/",
        )

    def _csrf(self) -> dict:
        return {"csrfmiddlewaretoken": self.client.cookies.get("csrftoken", "")}

    @task(3)
    def today(self):
        self.client.get(
            f"/staff/today/?date={_day(random.randint(2, WORLD['days'] + 1))}",
            name="GET /staff/today/",
        )

    @task(2)
    def chart(self):
        if not self.to_chart:
            return
        visit = self.to_chart.pop()
        self.client.get(f"/staff/visits/{visit}/chart/", name="GET /staff/…/chart/")
        form = {
            **self._csrf(),
            "points-TOTAL_FORMS": "1",
            "points-INITIAL_FORMS": "0",
            **POINT,
            "subjective": "Headaches most afternoons, right side.",
            "objective": "",
            "assessment": "",
            "plan": "Weekly.",
        }
        for _ in range(2):  # the script resends what it is not sure arrived
            response = self.client.post(
                f"/staff/visits/{visit}/chart/draft/", form, name="POST /staff/…/chart/draft/"
            )
            if response.status_code == 200:
                OUTCOMES["page_drafts"] += 1
        response = self.client.post(
            f"/staff/visits/{visit}/chart/",
            {**form, "sign": "1", "confirm": "on"},
            name="POST /staff/…/chart/ (sign)",
        )
        if response.status_code == 200 and "locked" in response.text:
            OUTCOMES["page_signed"] += 1

    @task(2)
    def progress(self):
        client = random.choice(self.clients)
        self.client.get(f"/staff/clients/{client}/progress/", name="GET /staff/…/progress/")
