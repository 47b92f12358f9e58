"""The Wi2021 rules the generator promises, checked on DUO bundle lines in plain Python (independent of the shapes).

``violations(line, reference)`` returns the names of the rules a line breaks: the shared rule names for the
defect kinds, plus the generator's other promises (named here, in lower case) that hold for every person.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any


def _d(value: str) -> date:
    return date.fromisoformat(value)


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


ASIEL_GROUPS = {"Asielstatushouder", "Gezinshereniger met Asielstatushouder", "Gezinsvormer met Asielstatushouder"}


def _defect_rules(line: dict[str, Any], reference: date) -> set[str]:
    out: set[str] = set()
    plicht, doelgroep = line["inburgeringsplicht"], line["doelgroep"]
    begin = _d(plicht["begindatum"])
    asiel = doelgroep["indeling"] == "Asielstatushouder"
    pip = line.get("pip", {}).get("pip")
    if begin < date(2022, 1, 1):
        out.add("Wi2021BeginVanaf2022")
    if line.get("inburgeringsaanbod") and not asiel:
        out.add("AanbodAlleenVoorAsielstatushouder")
    if any(e["resultaat"] == "Geen" and "redenGeenResultaat" not in e for e in line.get("examenresultaten", [])):
        out.add("GeenResultaatVereistReden")
    if "map" in line and _d(line["map"]["datumEindgesprekMap"]) > reference:
        out.add("MapDatumNietInToekomst")
    termijn = line.get("inburgeringstermijn")
    if termijn and "verlengingsgrondcode" not in termijn and \
            _d(termijn["einddatum"]) != _add_years(_d(termijn["startdatum"]), 3):
        out.add("TermijnDrieJaarNaPip")
    if pip:
        route, niveau = pip["leerroute"], pip.get("niveau")
        if _d(pip["dagtekeningPip"]) < begin:
            out.add("PipNietVoorBeginPlicht")
        if route == "O" and niveau == "A2":
            out.add("GeenA2MetOnderwijsroute")
        if route == "Z" and niveau == "B1":
            out.add("GeenB1MetZroute")
        if route == "O" and "map" in line:
            out.add("GeenMapInOnderwijsroute")
        if "geschatteIntensiteitB1Route" in pip and (route != "B" or not asiel):
            out.add("IntensiteitAlleenB1Asiel")
    return out


def _timeline_rules(line: dict[str, Any], reference: date) -> set[str]:
    out: set[str] = set()
    plicht, doelgroep = line["inburgeringsplicht"], line["doelgroep"]
    if (doelgroep["indeling"] == "Asielstatushouder") != (doelgroep["gedetailleerdeDoelgroep"] in ASIEL_GROUPS):
        out.add("doelgroep-indeling")
    if (not plicht["indicatorInburgeringsplicht"] or "einddatum" in plicht) and \
            "redenGeenInburgeringsplicht" not in plicht:
        out.add("plicht-einde-zonder-reden")
    pip = line.get("pip", {}).get("pip")
    if pip is None:
        bad = {"inburgeringstermijn", "map", "pvt", "zroute", "inburgeringsaanbod", "examenresultaten"} & set(line)
        return out | ({"zonder-pip"} if bad else set())
    p = _d(pip["dagtekeningPip"])
    if p > _d(plicht["datumKennisgevingInburgeringsplicht"]) + timedelta(days=70):
        out.add("pip-binnen-tien-weken")
    if p > reference:
        out.add("pip-in-toekomst")
    termijn = line["inburgeringstermijn"]
    start, end = _d(termijn["startdatum"]), _d(termijn["einddatum"])
    if start != p + timedelta(days=1):
        out.add("TermijnStartDagNaPip")
    if "verlengingsgrondcode" in termijn and end <= _add_years(start, 3):
        out.add("verlenging-zonder-langere-termijn")
    zroute = _d(line["zroute"]["datumAfrondingZroute"]) if "zroute" in line else None
    for key, field in (("map", "datumEindgesprekMap"), ("pvt", "datumOndertekeningPvt")):
        if key in line:
            day = _d(line[key][field])
            if day < start or day >= end or (zroute and day > zroute) or "verwijtbaar" in line[key]:
                out.add(f"{key}-buiten-termijn")
            if key == "pvt" and day > reference:
                out.add("pvt-in-toekomst")
    if zroute:
        uren = line["uren"][0]
        cursus = uren["ParticipatieAlsTaalles"]["uren"] + uren["TaallesEnKnmBredeIntake"]["uren"]
        asiel = doelgroep["indeling"] == "Asielstatushouder"
        if pip["leerroute"] != "Z" or cursus < 800 or (asiel and uren["ParticipatieactiviteitenBredeIntake"]["uren"] < 800):
            out.add("zroute-zonder-uren")
    for aanbod in line.get("inburgeringsaanbod", {}).values():
        if any(_d(aanbod[k]) < p for k in ("datumInburgeringsaanbod", "verwachteStartdatumOpleiding",
                                          "verwachteEinddatumOpleiding")):
            out.add("aanbod-voor-pip")
    if any(_d(e["examendatum"]) > reference or _d(e["examendatum"]) < start
           for e in line.get("examenresultaten", [])):
        out.add("examen-buiten-termijn")
    return out


def violations(line: dict[str, Any], reference: date) -> set[str]:
    """Every rule ``line`` (a valid DUO bundle line) breaks."""
    return _defect_rules(line, reference) | _timeline_rules(line, reference)
