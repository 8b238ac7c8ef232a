"""The portal load test's simulated customers (bench/portal_load.py): one httpx client
each (its own cookies), asyncio, no Django.

Each user opens the login form at /portail/, posts its e-mail and password with the CSRF
token of the form, follows the redirect, then for `seconds` goes round: the visits
calendar of this month, of the month before or after (?mois=), the visits list
(?vue=liste), the invoice list, and the PDF of one invoice linked from that list (when
it links one: a site-level access whose site shares its billing group sees none). Between
two pages it thinks 1 to 5 s (uniform). Every request's time is recorded by page kind,
from sending it to having read the whole answer.

A page is an error unless it answers 200 (a redirect to the login means the session was
lost); a PDF unless it answers 200 with a body that starts with %PDF; the login's POST
unless it redirects (302). Exceptions (timeouts, refused connections) are errors too.
"""

from __future__ import annotations

import asyncio
import math
import random
import re
import ssl
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

import httpx

LOGIN_URL = "/portail/"
VISITS_URL = "/portail/visites/"
INVOICES_URL = "/portail/factures/"
PDF_LINK = re.compile(r"/portail/factures/(\d+)/pdf/")
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')

# Page kinds, in the order of the report. PDF and LOGIN_POST are kept out of "pages".
LOGIN_FORM = "connexion : formulaire"
LOGIN_POST = "connexion : envoi (Argon2)"
HOME = "accueil"
CALENDAR = "visites : calendrier"
CALENDAR_OTHER = "visites : autre mois"
VISIT_LIST = "visites : liste"
INVOICES = "factures : liste"
PDF = "factures : PDF"
KINDS = [LOGIN_FORM, LOGIN_POST, HOME, CALENDAR, CALENDAR_OTHER, VISIT_LIST, INVOICES, PDF]
NOT_PAGES = {LOGIN_POST, PDF}


def percentile(ordered: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


@dataclass
class Stats:
    times_ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=Counter)
    reasons: Counter = field(default_factory=Counter)
    pdf_bytes: int = 0
    logged_in: int = 0
    loop_lag_ms: list[float] = field(default_factory=list)
    logins_done: list[float] = field(default_factory=list)
    started: float = 0.0

    # When each timed request was sent (time.monotonic()), beside times_ms.
    sent_at: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    # When the last user had logged in: from then on, no Argon2 in the server's queue.
    steady_from: float = math.inf

    def record(self, kind: str, elapsed_ms: float, error: str | None, sent: float) -> None:
        self.times_ms[kind].append(elapsed_ms)
        self.sent_at[kind].append(sent)
        if error:
            self.errors[kind] += 1
            self.reasons[f"{kind} : {error}"] += 1

    def fail(self, kind: str, error: str) -> None:
        """An error with no time: the request never got its answer."""
        self.errors[kind] += 1
        self.reasons[f"{kind} : {error}"] += 1

    def summary(
        self, kinds: list[str], since: float = -math.inf
    ) -> tuple[int, float, float, float, float, int]:
        """(n, p50, p95, p99, max) in ms over the kinds (of the requests sent from `since`
        on), and their errors (all of them)."""
        ordered = sorted(
            value
            for kind in kinds
            for value, sent in zip(self.times_ms.get(kind, []), self.sent_at.get(kind, []),
                                   strict=True)
            if sent >= since
        )  # fmt: skip
        return (
            len(ordered),
            percentile(ordered, 0.50),
            percentile(ordered, 0.95),
            percentile(ordered, 0.99),
            ordered[-1] if ordered else math.nan,
            sum(self.errors.get(kind, 0) for kind in kinds),
        )

    @property
    def requests(self) -> int:
        return sum(len(values) for values in self.times_ms.values())

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


def neighbour_month(today: date, rng: random.Random) -> str:
    """The month before or after this one, as ?mois= takes it (YYYY-MM)."""
    index = today.year * 12 + today.month - 1 + rng.choice([-1, 1])
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


class PortalUserSession:
    """One simulated customer: its client, its pacing, what it has seen."""

    def __init__(self, *, base_url: str, email: str, password: str, stats: Stats,
                 rng: random.Random, think: tuple[float, float], today: date) -> None:  # fmt: skip
        self.base_url, self.email, self.password = base_url, email, password
        self.today = today
        self.stats, self.rng, self.think_range = stats, rng, think
        self.invoice_ids: list[int] = []

    async def request(self, client: httpx.AsyncClient, kind: str, method: str, url: str,
                      **options) -> httpx.Response | None:  # fmt: skip
        sent, started = time.monotonic(), time.perf_counter()
        try:
            response = await client.request(method, url, **options)
        except httpx.HTTPError as error:
            self.stats.fail(kind, type(error).__name__)
            return None
        elapsed_ms = (time.perf_counter() - started) * 1000
        self.stats.record(kind, elapsed_ms, self.fault(kind, response), sent)
        if kind == PDF:
            self.stats.pdf_bytes += len(response.content)
        return response

    @staticmethod
    def fault(kind: str, response: httpx.Response) -> str | None:
        status = response.status_code
        if kind == LOGIN_POST:
            if status == 302:
                return None
            return "connexion refusée" if status == 200 else f"HTTP {status}"
        if status == 302 and response.headers.get("location", "").startswith(LOGIN_URL):
            return "renvoyé à la connexion (session perdue)"
        if status != 200:
            return f"HTTP {status}"
        if kind == PDF and not response.content.startswith(b"%PDF"):
            return "pas un PDF"
        return None

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.think_range))

    async def login(self, client: httpx.AsyncClient) -> bool:
        form = await self.request(client, LOGIN_FORM, "GET", LOGIN_URL)
        if form is None or form.status_code != 200:
            return False
        found = CSRF_INPUT.search(form.text)
        token = found.group(1) if found else client.cookies.get("csrftoken", "")
        await self.think()
        answer = await self.request(
            client, LOGIN_POST, "POST", LOGIN_URL,
            data={"csrfmiddlewaretoken": token, "email": self.email, "password": self.password},
            headers={"Referer": self.base_url + LOGIN_URL},
        )  # fmt: skip
        if answer is None or answer.status_code != 302:
            return False
        self.stats.logged_in += 1
        self.stats.logins_done.append(time.monotonic())
        await self.request(client, HOME, "GET", answer.headers["location"])
        return True

    async def run(self, client: httpx.AsyncClient, start_at: float, seconds: float) -> None:
        await asyncio.sleep(max(0.0, start_at - time.monotonic()))
        async with client:
            if not await self.login(client):
                return
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                for step in (self.calendar, self.other_month, self.visit_list, self.invoices,
                             self.pdf):  # fmt: skip
                    if time.monotonic() >= deadline:
                        return
                    await self.think()
                    await step(client)

    async def calendar(self, client: httpx.AsyncClient) -> None:
        await self.request(client, CALENDAR, "GET", VISITS_URL)

    async def other_month(self, client: httpx.AsyncClient) -> None:
        month = neighbour_month(self.today, self.rng)
        await self.request(client, CALENDAR_OTHER, "GET", VISITS_URL, params={"mois": month})

    async def visit_list(self, client: httpx.AsyncClient) -> None:
        await self.request(client, VISIT_LIST, "GET", VISITS_URL, params={"vue": "liste"})

    async def invoices(self, client: httpx.AsyncClient) -> None:
        response = await self.request(client, INVOICES, "GET", INVOICES_URL)
        if response is not None and response.status_code == 200:
            self.invoice_ids = sorted({int(pk) for pk in PDF_LINK.findall(response.text)})

    async def pdf(self, client: httpx.AsyncClient) -> None:
        if self.invoice_ids:
            invoice_id = self.rng.choice(self.invoice_ids)
            await self.request(client, PDF, "GET", f"/portail/factures/{invoice_id}/pdf/")


async def load_run(
    *,
    base_url: str,
    emails: list[str],
    password: str,
    seconds: float,
    ramp: float,
    think: tuple[float, float],
    today: date,
    seed: int = 14,
) -> tuple[Stats, float]:
    """Run every user at once, their logins spread over `ramp` seconds, each for `seconds`
    after its login; returns the figures and the wall time taken."""
    stats = Stats()
    sessions = [
        PortalUserSession(base_url=base_url, email=email, password=password, stats=stats,
                          rng=random.Random(f"{seed}:{number}"), think=think, today=today)
        for number, email in enumerate(emails)
    ]  # fmt: skip
    # The clients are made before the clock starts, sharing one TLS context (unused on
    # http://, but httpx builds one per client otherwise: 100 of them stall the loop).
    # No keep-alive: gunicorn's sync workers close every connection anyway, and a gthread
    # worker's idle timeout races the next request on a kept connection (an error that
    # a proxy in front of gunicorn would not show).
    tls = ssl.create_default_context()
    limits = httpx.Limits(max_keepalive_connections=0)
    clients = [
        httpx.AsyncClient(base_url=base_url, timeout=30.0, follow_redirects=False, verify=tls,
                          limits=limits)
        for _session in sessions
    ]  # fmt: skip
    monitor = LoopLag()
    watch = asyncio.create_task(monitor.watch())
    started = time.monotonic()
    await asyncio.gather(
        *(
            session.run(client, started + ramp * number / max(1, len(sessions)), seconds)
            for number, (session, client) in enumerate(zip(sessions, clients, strict=True))
        )
    )
    elapsed = time.monotonic() - started
    stats.steady_from = max(stats.logins_done, default=math.inf)
    stats.started = started
    watch.cancel()
    stats.loop_lag_ms = monitor.lags_ms
    return stats, elapsed


class LoopLag:
    """How late this client's event loop wakes up (every 50 ms): a figure that grows when
    the load generator itself is short of CPU, and then inflates every latency it records."""

    def __init__(self) -> None:
        self.lags_ms: list[float] = []

    async def watch(self) -> None:
        while True:
            asked = time.perf_counter()
            await asyncio.sleep(0.05)
            self.lags_ms.append(max(0.0, (time.perf_counter() - asked - 0.05) * 1000))
