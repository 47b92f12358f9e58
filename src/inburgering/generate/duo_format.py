"""A synthetic person as one line of a DUO bundle: each key holds that DUO resource's JSON body (docs/sources.md)."""

from __future__ import annotations

from typing import Any

from inburgering.generate.facts import Ontheffing, Person, Vrijstelling, iso


def _drop_none(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


def _plicht(p: Person) -> dict[str, Any]:
    return _drop_none({
        "indicatorInburgeringsplicht": p.plicht_actief,
        "begindatum": iso(p.begindatum),
        "einddatum": iso(p.plicht_einddatum) if p.plicht_einddatum else None,
        "wijzigingsdatum": iso(p.plicht_einddatum) if p.plicht_einddatum else None,
        "datumKennisgevingInburgeringsplicht": iso(p.kennisgeving),
        "redenGeenInburgeringsplicht": p.reden_geen_plicht,
    })


def _ontheffing(o: Ontheffing) -> dict[str, Any]:
    body = {"oordeel": o.oordeel, "datumOordeel": iso(o.datum), "grond": o.grond}
    if o.geheel:
        return {"GeheleOntheffing": body}
    body.update(_drop_none({"examenonderdeel": o.onderdeel, "urenBelastbaarheidParticipatieactiviteit": o.belastbaarheid}))
    return {"GedeeltelijkeOntheffing": body}


def _vrijstelling(v: Vrijstelling) -> dict[str, Any]:
    body: dict[str, Any] = {"oordeel": v.oordeel, "reden": v.reden, "datumOordeel": iso(v.datum)}
    if v.start and v.eind:
        body.update(startdatum=iso(v.start), einddatum=iso(v.eind))
    body.update(_drop_none({"examenonderdeel": v.onderdeel, "examenniveau": v.niveau}))
    return {v.soort: body}


def _pip_and_after(p: Person, line: dict[str, Any]) -> None:
    assert p.pip is not None
    pip = p.pip
    line["pip"] = {"gemeentecode": pip.gemeentecode, "pip": _drop_none({
        "dagtekeningPip": iso(pip.dagtekening), "leerroute": pip.leerroute, "niveau": pip.niveau,
        "geschatteIntensiteitB1Route": pip.intensiteit, "indicatorAlfabetiseringsonderwijs": pip.alfabetisering})}
    t = p.termijn
    if t is not None:
        termijn: dict[str, Any] = {"startdatum": iso(t.start), "einddatum": iso(t.eind)}
        if t.verlenging:
            v = t.verlenging
            termijn.update(wijzigingsdatum=iso(v.wijzigingsdatum), verlengingsgrondcode=v.code,
                           verlengingsgrondomschrijving=v.omschrijving)
            line["inburgeringstermijnHistorie"] = [{"einddatum": iso(v.vorige_einddatum),
                                                    "wijzigingsdatum": iso(t.start)}]
        line["inburgeringstermijn"] = termijn
    if p.uren is not None:
        u = p.uren
        line["uren"] = [{"gemeentecode": pip.gemeentecode, "bekendTot": iso(u.bekend_tot),
                         "ParticipatieAlsTaalles": {"uren": u.participatie_als_taalles},
                         "ParticipatieactiviteitenBredeIntake": {"uren": u.participatieactiviteiten},
                         "TaallesEnKnmBredeIntake": {"uren": u.taalles_en_knm}}]
    if p.aanbod:
        line["inburgeringsaanbod"] = {a.instellingsnummer: {
            "datumInburgeringsaanbod": iso(a.datum), "verwachteStartdatumOpleiding": iso(a.start),
            "verwachteEinddatumOpleiding": iso(a.eind), "indicatorAlfabetiseringsonderwijs": a.alfabetisering}
            for a in p.aanbod}


def to_duo(p: Person) -> dict[str, Any]:
    """The bundle line for ``p`` (a dict ready for ``json.dumps``)."""
    line: dict[str, Any] = {"bsn": p.bsn, "gemeente": p.gemeente, "inburgeringsplicht": _plicht(p)}
    if not p.plicht_actief:
        line["inburgeringsplichtHistorie"] = [{"indicatorInburgeringsplicht": True, "begindatum": iso(p.begindatum),
                                               "wijzigingsdatum": iso(p.kennisgeving)}]
    line["doelgroep"] = {"indeling": p.doelgroep, "begindatum": iso(p.begindatum),
                         "gedetailleerdeDoelgroep": p.gedetailleerde_doelgroep}
    line["doelgroepHistorie"] = [{"indeling": p.doelgroep, "begindatum": iso(p.begindatum)}]
    if p.pip is not None:
        _pip_and_after(p, line)
    if p.exams:
        line["examenresultaten"] = [_drop_none({
            "examendatum": iso(e.datum), "resultaat": e.resultaat, "redenGeenResultaat": e.reden,
            "onderdeel": e.onderdeel, "niveau": e.niveau}) for e in p.exams]
    if p.gratis_pogingen:
        line["gratisPogingen"] = [{"onderdeel": o, "gratisPogingenTegoed": n} for o, n in p.gratis_pogingen.items()]
    if p.lbt is not None:
        line["leerbaarheidstoetsResultaten"] = [{
            "resultaat": p.lbt.resultaat, "behaaldeScore": p.lbt.behaalde_score,
            "benodigdeScore": p.lbt.benodigde_score, "datumAfname": iso(p.lbt.datum)}]
    if p.ontheffingen:
        line["ontheffingen"] = [_ontheffing(o) for o in p.ontheffingen]
    if p.vrijstellingen:
        line["vrijstellingen"] = [_vrijstelling(v) for v in p.vrijstellingen]
    if p.map is not None:
        line["map"] = {"datumEindgesprekMap": iso(p.map)}
    if p.pvt is not None:
        line["pvt"] = {"datumOndertekeningPvt": iso(p.pvt)}
    if p.zroute_afgerond is not None:
        line["zroute"] = {"datumAfrondingZroute": iso(p.zroute_afgerond)}
    return line
