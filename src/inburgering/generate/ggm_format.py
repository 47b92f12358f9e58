"""A synthetic person as rows of the GGM tables (``ddl/ggm-inburgering.yaml``).

Primary keys are derived from the person's index (person ``id = index + 1``; the person's other rows
``id * 100 + n``), so the same seed gives the same keys in SQLite and CSV and keys never clash.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from inburgering.generate.facts import Person, iso
from inburgering.generate.ggm_extra import ggm_extra_rows

Rows = dict[str, list[dict[str, Any]]]
#: DUO vrijstelling reasons → the GGM's EindoordeelVrijstelling values.
_EINDOORDEEL = {"INS": "Overig", "OPL": "Overig"}


class _Ids:
    def __init__(self, person_id: int) -> None:
        self.base = person_id * 100
        self.n = 0

    def next(self) -> int:
        self.n += 1
        return self.base + self.n


def _person_rows(p: Person, pid: int, rows: Rows) -> None:
    rows["natuurlijk_persoon"].append({"id": pid, "bsn": p.bsn, "geboortedatum": iso(p.geboortedatum),
                                       "geslachtsaanduiding": p.geslacht})
    rows["vreemdeling"].append({"id": pid})
    rows["inburgeraar"].append({"id": pid, "gemeente": p.gemeente, "gedetailleerde_doelgroep": p.gedetailleerde_doelgroep})
    rows["asielstatushouder" if p.asiel else "gezinsmigrant_en_overige_migrant"].append({"id": pid})


def _plicht_rows(p: Person, pid: int, ids: _Ids, rows: Rows) -> int:
    plicht = ids.next()
    rows["inburgeringsplicht"].append({
        "id": plicht, "inburgeraar_id": pid, "indicator_inburgeringsplicht": p.plicht_actief,
        "datum_start": iso(p.begindatum), "datum_eind": iso(p.plicht_einddatum) if p.plicht_einddatum else None,
        "reden_geen_inburgeringsplicht": p.reden_geen_plicht})
    for o in p.ontheffingen:
        rows["ontheffing"].append({"id": ids.next(), "inburgeringsplicht_id": plicht,
                                   "beslissing_ontheffing": o.oordeel == "Toekenning", "datum_ontheffing": iso(o.datum),
                                   "ontheffingsgrond": o.grond})
    for v in p.vrijstellingen:
        rows["vrijstelling"].append({"id": ids.next(), "inburgeringsplicht_id": plicht, "datum_vrijstelling": iso(v.datum),
                                     "eindoordeel_vrijstelling": _EINDOORDEEL.get(v.reden, "Heeft competentie"),
                                     "oordeel": v.oordeel, "reden_vrijstelling": v.reden})
    return plicht


def _termijn_rows(p: Person, plicht: int, ids: _Ids, rows: Rows) -> None:
    t = p.termijn
    if t is None:
        return
    termijn = ids.next()
    rows["inburgeringstermijn"].append({"id": termijn, "inburgeringsplicht_id": plicht,
                                        "datum_aanvang_inburgeringstermijn": iso(t.start),
                                        "datum_einde_inburgeringstermijn": iso(t.eind)})
    if t.verlenging:
        v, aanvraag = t.verlenging, ids.next()
        rows["aanvraag_verlenging_inburgeringstermijn"].append({
            "id": aanvraag, "inburgeringstermijn_id": termijn, "beoordeling_aanvraag_verlenging": "Toegestaan",
            "verlengings_grond": v.code})
        rows["verlengingsgrond"].append({
            "id": ids.next(), "aanvraag_verlenging_inburgeringstermijn_id": aanvraag, "aanwezigheid_aanvraag_verlening": True,
            "verlenging_in_weken": v.weken, "verlengingsgrondslag": v.code,
            "datum_beoordeling_verlengingsgrond": iso(v.wijzigingsdatum)})


def _traject_rows(p: Person, pid: int, plicht: int, ids: _Ids, rows: Rows) -> None:
    assert p.pip is not None
    traject, intake, pip, route = ids.next(), ids.next(), ids.next(), ids.next()
    rows["inburgeringstraject"].append({"id": traject, "inburgeringsplicht_id": plicht})
    lbt = p.lbt
    rows["brede_intake"].append({
        # not after its end, also when a defect moves the notification past the PIP (the GGM publishes the intake)
        "id": intake, "inburgeringstraject_id": traject, "startdatum": iso(min(p.kennisgeving, p.pip.dagtekening)),
        "einddatum": iso(p.pip.dagtekening), "gevolgde_uren_knm_en_taalles": p.uren.taalles_en_knm if p.uren else None,
        "datum_tot_peildatum": iso(p.uren.bekend_tot) if p.uren else None,
        "lbt_resultaat": lbt.resultaat if lbt else None, "lbt_behaalde_score": lbt.behaalde_score if lbt else None,
        "lbt_benodigde_score": lbt.benodigde_score if lbt else None,
        "lbt_datum_afname": iso(lbt.datum) if lbt else None})
    rows["pip"].append({"id": pip, "inburgeraar_id": pid, "dagtekening_pip": iso(p.pip.dagtekening),
                        "dagtekening_initiele_pip": iso(p.pip.dagtekening)})
    rows["leerroute"].append({"id": route, "pip_id": pip, "brede_intake_id": intake, "leerroute_type": p.pip.leerroute,
                              "niveau": p.pip.niveau, "geschatte_intensiteit_b1_route": p.pip.intensiteit})
    if p.map is not None:
        rows["map"].append({"id": ids.next(), "leerroute_id": route, "datum_eindgesprek_map": iso(p.map)})
    if p.pvt is not None:
        rows["pvt"].append({"id": ids.next(), "leerroute_id": route, "datum_ondertekening_pvt": iso(p.pvt)})
    if p.exams:
        examen = ids.next()
        rows["examen"].append({"id": examen, "inburgeringstraject_id": traject})
        for e in p.exams:
            rows["examenonderdeel"].append({
                "id": ids.next(), "examen_id": examen, "examen_onderdeel_specificatie": e.onderdeel,
                "resultaat": e.resultaat, "examendatum": iso(e.datum), "niveau": e.niveau,
                "reden_geen_resultaat": e.reden})
    for a in p.aanbod:
        rows["inburgeringsaanbod"].append({
            "id": ids.next(), "inburgeraar_id": pid, "pip_id": pip, "datum_inburgerings_aanbod": iso(a.datum),
            "cursus_instelling": a.instellingsnummer, "datum_einde_cursus": iso(a.eind)})


def to_ggm(p: Person) -> Rows:
    """Table name → rows (column → value; dates as ``YYYY-MM-DD``) for person ``p``."""
    rows: Rows = defaultdict(list)
    pid = p.index + 1
    ids = _Ids(pid)
    _person_rows(p, pid, rows)
    plicht = _plicht_rows(p, pid, ids, rows)
    _termijn_rows(p, plicht, ids, rows)
    if p.pip is not None:
        _traject_rows(p, pid, plicht, ids, rows)
    start = iso(p.pip.dagtekening) if p.pip else iso(p.kennisgeving)
    punten = []
    for punt in p.aandachtspunten:
        punten.append((ids.next(), punt))
        rows["aandachtspunt"].append({"id": punten[-1][0], "inburgeraar_id": pid, "aandachtspunt_omschrijving": punt,
                                      "start_datum": start})
    ggm_extra_rows(p, pid, ids.next, rows, punten)
    return rows
