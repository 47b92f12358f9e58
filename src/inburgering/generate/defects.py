"""Deliberate defects of known kinds: which persons get one, what each needs and what it changes.

Every defective person gets exactly one defect and is otherwise fully conforming. The kinds and rule names
are the shared table of the synthetic-defect pipeline (generator → loader → shapes).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from inburgering.generate.facts import Aanbod, Person, days
from inburgering.generate.people import Needs
from inburgering.generate.timeline import INSTELLINGEN
from inburgering.namespaces import SHAPES


@dataclass(frozen=True, slots=True)
class DefectKind:
    name: str
    #: ``shacl`` (caught by a shape after mapping) or ``source`` (caught by the reader).
    stage: str
    #: Local name of the rule in ``shapes/`` (``None`` for source defects).
    rule: str | None
    needs: Needs
    apply: Callable[[Person, random.Random, date], None]

    @property
    def rule_iri(self) -> str | None:
        return SHAPES + self.rule if self.rule else None


def _pip_voor_begin(p: Person, rng: random.Random, ref: date) -> None:
    assert p.pip is not None
    p.begindatum = p.kennisgeving = p.pip.dagtekening + days(1)  # the PIP now lies a day before the duty


def _a2_onderwijs(p: Person, rng: random.Random, ref: date) -> None:
    assert p.pip is not None
    p.pip.niveau = "A2"


def _b1_zroute(p: Person, rng: random.Random, ref: date) -> None:
    assert p.pip is not None
    p.pip.niveau = "B1"


def _termijn_lengte(p: Person, rng: random.Random, ref: date) -> None:
    assert p.termijn is not None
    p.termijn.eind += days(rng.randint(1, 200))  # longer, so no MAP/PVT/offer falls after the end


def _map_onderwijs(p: Person, rng: random.Random, ref: date) -> None:
    assert p.termijn is not None
    last = min(ref, p.termijn.eind - days(1))
    p.map = p.termijn.start + days(rng.randint(0, max(0, (last - p.termijn.start).days)))


def _geen_zonder_reden(p: Person, rng: random.Random, ref: date) -> None:
    exam = rng.choice(p.exams)
    exam.resultaat, exam.reden = "Geen", None


def _aanbod_niet_asiel(p: Person, rng: random.Random, ref: date) -> None:
    assert p.pip is not None and p.termijn is not None
    datum = min(ref, p.pip.dagtekening + days(rng.randint(0, 30)))
    begin = datum + days(rng.randint(7, 60))
    p.aanbod = [Aanbod(rng.choice(INSTELLINGEN), datum, begin, max(begin, p.termijn.eind - days(1)),
                       p.pip.alfabetisering)]


def _plicht_voor_2022(p: Person, rng: random.Random, ref: date) -> None:
    assert isinstance(p.begindatum, date)
    new = date(2021, rng.randint(3, 12), rng.randint(1, 28))
    p.geboortedatum -= p.begindatum - new  # keep the age at the start of the duty
    p.begindatum = new


def _map_in_toekomst(p: Person, rng: random.Random, ref: date) -> None:
    assert p.termijn is not None
    room = min(365, (p.termijn.eind - ref).days - 1)
    p.map = ref + days(rng.randint(1, max(1, room)))


def _intensiteit(p: Person, rng: random.Random, ref: date) -> None:
    assert p.pip is not None
    p.pip.intensiteit = rng.randrange(300, 1500, 10)


def _bsn_elfproef(p: Person, rng: random.Random, ref: date) -> None:
    p.bsn = p.bsn[:8] + str((int(p.bsn[8]) + rng.randint(1, 9)) % 10)  # one check digit passes per prefix


def _score_formaat(p: Person, rng: random.Random, ref: date) -> None:
    assert p.lbt is not None
    whole, cents = p.lbt.behaalde_score.split(",")
    p.lbt.behaalde_score = f"{whole}.{cents[0]}"


def _ongeldige_datum(p: Person, rng: random.Random, ref: date) -> None:
    assert isinstance(p.begindatum, date)
    p.begindatum = f"{p.begindatum.year}-{rng.choice(('02-30', '02-31', '04-31', '06-31', '09-31', '11-31'))}"


def _onbekende_code(p: Person, rng: random.Random, ref: date) -> None:
    assert p.pip is not None
    p.pip.leerroute = "X"


_PLAIN = Needs(plain=True)
KINDS: tuple[DefectKind, ...] = (
    DefectKind("pip-voor-begin-plicht", "shacl", "PipNietVoorBeginPlicht", _PLAIN, _pip_voor_begin),
    DefectKind("a2-onderwijsroute", "shacl", "GeenA2MetOnderwijsroute", Needs(route="O", plain=True), _a2_onderwijs),
    DefectKind("b1-zroute", "shacl", "GeenB1MetZroute", Needs(route="Z", plain=True), _b1_zroute),
    DefectKind("termijn-lengte", "shacl", "TermijnDrieJaarNaPip", _PLAIN, _termijn_lengte),
    DefectKind("map-onderwijsroute", "shacl", "GeenMapInOnderwijsroute", Needs(route="O", plain=True),
               _map_onderwijs),
    DefectKind("geen-resultaat-zonder-reden", "shacl", "GeenResultaatVereistReden",
               Needs(route="B", exam=True, plain=True), _geen_zonder_reden),
    DefectKind("aanbod-niet-asiel", "shacl", "AanbodAlleenVoorAsielstatushouder", Needs(asiel=False, plain=True),
               _aanbod_niet_asiel),
    DefectKind("plicht-voor-2022", "shacl", "Wi2021BeginVanaf2022", _PLAIN, _plicht_voor_2022),
    DefectKind("map-in-toekomst", "shacl", "MapDatumNietInToekomst", Needs(route="B", recent=True, plain=True),
               _map_in_toekomst),
    DefectKind("intensiteit-niet-b1-asiel", "shacl", "IntensiteitAlleenB1Asiel",
               Needs(asiel=False, route="B", plain=True), _intensiteit),
    DefectKind("bsn-elfproef", "source", None, Needs(), _bsn_elfproef),
    DefectKind("schema-score-formaat", "source", None, Needs(lbt=True, plain=True), _score_formaat),
    DefectKind("ongeldige-datum", "source", None, _PLAIN, _ongeldige_datum),
    DefectKind("onbekende-code", "source", None, _PLAIN, _onbekende_code),
)
BY_NAME = {k.name: k for k in KINDS}


def defect_count(persons: int, fraction: float) -> int:
    """round(fraction · persons), halves rounded up."""
    return math.floor(fraction * persons + 0.5)


def assign(seed: int, persons: int, fraction: float, kinds: tuple[DefectKind, ...] = KINDS) -> dict[int, DefectKind]:
    """Person index → defect kind for ``defect_count`` persons chosen by ``seed``, kinds spread evenly."""
    rng = random.Random(f"defects/{seed}")
    count = defect_count(persons, fraction)
    chosen = sorted(rng.sample(range(persons), count))
    order = list(kinds)
    rng.shuffle(order)
    return {index: order[j % len(order)] for j, index in enumerate(chosen)}


def manifest_entry(person: Person, kind: DefectKind) -> dict[str, str | None]:
    """One entry of ``defects.json``."""
    return {"bsn": person.bsn, "kind": kind.name, "stage": kind.stage, "rule": kind.rule_iri}
