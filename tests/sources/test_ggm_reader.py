"""The GGM readers: SQLite, CSV folders (UTF-8, BOM, Windows-1252) — rows with locators, per-person grouping, orphans."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from inburgering.errors import SourceError
from inburgering.sources import SourceKind, detect_kind, open_ggm
from inburgering.sources.ggm_model import DDL_FILE, ddl_text

PERSONS = """
INSERT INTO natuurlijk_persoon (id, bsn, geboortedatum) VALUES (1, '999990019', '1990-01-01'), (2, '999990018', NULL);
INSERT INTO vreemdeling (id) VALUES (1), (2);
INSERT INTO inburgeraar (id, gemeente) VALUES (1, 'GM0363'), (2, 'GM0034');
INSERT INTO asielstatushouder (id) VALUES (1);
INSERT INTO pip (id, dagtekening_pip, inburgeraar_id) VALUES (10, '2023-02-30', 1), (11, '2023-01-01', 2), (12, '2023-01-01', 99);
INSERT INTO leerroute (id, leerroute_type, niveau, geschatte_intensiteit_b1_route, pip_id) VALUES (5, 'X', 'B1', 'veel', 10);
INSERT INTO map (id, datum_eindgesprek_map, leerroute_id) VALUES (7, '2024-05-01', 5);
"""


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "ggm.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript("PRAGMA journal_mode=MEMORY; PRAGMA synchronous=OFF;" + ddl_text() + PERSONS)
    db.close()
    return path


def test_the_committed_ddl_is_the_one_the_model_generates() -> None:
    assert DDL_FILE.read_text(encoding="utf-8") == ddl_text()


def test_rows_are_grouped_per_person_through_their_foreign_keys(database: Path) -> None:
    with open_ggm(database) as source:
        first, second = source.persons()
    assert (first.person_id, first.bsn, first.gemeente) == (1, "999990019", "GM0363")
    assert sorted(first.rows) == ["asielstatushouder", "inburgeraar", "leerroute", "map", "natuurlijk_persoon",
                                  "pip", "vreemdeling"]
    assert first.rows["map"][0].values["datum_eindgesprek_map"] == "2024-05-01"
    assert sorted(second.rows) == ["inburgeraar", "natuurlijk_persoon", "pip", "vreemdeling"]


def test_each_bad_value_is_a_problem_naming_database_table_key_and_column(database: Path) -> None:
    with open_ggm(database) as source:
        first, second = source.persons()
    where = f"{database}#"
    assert {(p.file, p.record, p.field, p.value, p.reason) for p in first.problems} == {
        (where + "pip", "id 10", "pip.dagtekening_pip", "2023-02-30", "not a valid date (YYYY-MM-DD)"),
        (where + "leerroute", "id 5", "leerroute.leerroute_type", "X", "not one of B, O, Z"),
        (where + "leerroute", "id 5", "leerroute.geschatte_intensiteit_b1_route", "veel", "expected an integer"),
    }
    assert [(p.field, p.value, p.reason) for p in second.problems] == [
        ("natuurlijk_persoon.bsn", "999990018", "elfproef")]
    assert second.bsn == "999990018"


def test_rows_that_reach_no_person_are_orphans_with_the_broken_chain(database: Path) -> None:
    with open_ggm(database) as source:
        (orphan,) = source.orphans()
    assert (orphan.table, orphan.record, orphan.key) == ("pip", "id 12", 12)
    assert orphan.problems[-1].reason == ("not linked to a person (via pip.inburgeraar_id → inburgeraar.id → "
                                          "vreemdeling.id → natuurlijk_persoon)")


def test_merging_per_person_keeps_every_row_of_every_table(tmp_path: Path) -> None:
    from inburgering.generate import generate

    path = tmp_path / "g.sqlite"
    generate(persons=120, seed=3, defects=0.0, format="ggm-sqlite", out=path)
    with open_ggm(path) as source:
        grouped = {(t, r.key) for p in source.persons() for t, rows in p.rows.items() for r in rows}
        every = {(t, r.key) for t in source.tables() for r in source.rows(t)}
        people = list(source.persons())
    assert grouped == every and len(every) > 120 * 8
    assert [p.person_id for p in people] == list(range(1, 121))
    assert all(r.values.get("inburgeraar_id") in (None, p.person_id) for p in people for rows in p.rows.values()
               for r in rows)


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("CREATE TABLE iets (id INTEGER);", "not a GGM database: no table natuurlijk_persoon"),
        ("CREATE TABLE natuurlijk_persoon (id INTEGER, bsn TEXT, schoenmaat INTEGER);",
         "column schoenmaat is not in the GGM model"),
    ],
)
def test_a_database_that_is_not_ggm_is_refused(tmp_path: Path, setup: str, message: str) -> None:
    path = tmp_path / "other.sqlite"
    with sqlite3.connect(path) as db:
        db.executescript(setup)
    db.close()
    with pytest.raises(SourceError, match=message):
        open_ggm(path)


def test_a_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no such file or folder"):
        open_ggm(tmp_path / "absent.sqlite")


def write_csv_folder(folder: Path, pip: bytes) -> Path:
    folder.mkdir()
    (folder / "natuurlijk_persoon.csv").write_bytes(b"id,bsn,geboortedatum\n1,999990019,1990-01-01\n")
    (folder / "vreemdeling.csv").write_bytes(b"id\n1\n")
    (folder / "inburgeraar.csv").write_bytes(b"id,gemeente\n1,GM0363\n")
    (folder / "pip.csv").write_bytes(pip)
    return folder


PIP_CSV = "id,dagtekening_pip,naam_contact_persoon,inburgeraar_id\n10,2023-03-01,José Müller,1\n11,2023-02-30,\"a\nb\",1\n"


@pytest.mark.parametrize(("encoding", "data", "detected"), [
    ("utf-8", PIP_CSV.encode("utf-8"), "utf-8"),
    ("utf-8-bom", b"\xef\xbb\xbf" + PIP_CSV.encode("utf-8"), "utf-8-sig"),
    ("windows-1252", PIP_CSV.encode("cp1252"), "cp1252"),
])
def test_csv_in_utf8_with_or_without_bom_or_windows_1252_reads_the_same(tmp_path: Path, encoding: str, data: bytes,
                                                                         detected: str) -> None:
    folder = write_csv_folder(tmp_path / encoding, data)
    with open_ggm(folder) as source:
        (person,) = source.persons()
        assert source.encodings["pip.csv"] == detected
    good, bad = person.rows["pip"]
    assert good.values == {"id": 10, "dagtekening_pip": "2023-03-01", "naam_contact_persoon": "José Müller",
                           "inburgeraar_id": 1}
    assert (good.file, good.record) == (str(folder / "pip.csv"), "line 2")
    assert bad.values["naam_contact_persoon"] == "a\nb"
    assert [(p.file, p.record, p.field, p.reason) for p in bad.problems] == [
        (str(folder / "pip.csv"), "line 3", "pip.dagtekening_pip", "not a valid date (YYYY-MM-DD)")]


@pytest.mark.parametrize(
    ("pip", "message"),
    [
        (b"id,dagtekening_pip\n10,\x81\x8d\n", r"pip.csv: neither UTF-8 \(byte 0x81 at offset 22\) nor Windows-1252"),
        (b"id,dagtekening_pip\n10\n", r"pip.csv, line 2: expected 2 fields, found 1"),
        (b"id,dagtekening\n10,2023-01-01\n", r"pip.csv, line 1: column 'dagtekening' is not in table pip"),
        (b"id,dagtekening_pip\n10,2023-01-01\n10,2023-01-02\n", r"pip.csv, column id: id 10 appears 2 times"),
        (b"", r"pip.csv: empty file"),
        # Found by fuzzing the loader: the csv module's own error escaped as a traceback.
        (b"id,dagtekening_pip\n10," + b"9" * 200_000 + b"\n",
         r"pip.csv, line 2: not readable as CSV: field larger than field limit \(131072\)"),
    ],
)
def test_a_broken_csv_file_is_refused_naming_file_and_line(tmp_path: Path, pip: bytes, message: str) -> None:
    folder = write_csv_folder(tmp_path / "csv", pip)
    with pytest.raises(SourceError, match=message):
        open_ggm(folder)


def test_semicolon_separated_csv_as_dutch_spreadsheets_write_it_is_read(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "csv #1", PIP_CSV.replace(",", ";").encode("cp1252"))
    with open_ggm(folder) as source:
        (person,) = source.persons()
    assert person.rows["pip"][0].values["naam_contact_persoon"] == "José Müller"


def test_a_sqlite_file_with_uri_characters_in_its_path_opens(tmp_path: Path, database: Path) -> None:
    odd = tmp_path / "a?b#c %d.sqlite"
    odd.write_bytes(database.read_bytes())
    with open_ggm(odd) as source:
        assert len(list(source.persons())) == 2


def test_a_csv_file_that_is_not_a_ggm_table_is_refused(tmp_path: Path) -> None:
    folder = write_csv_folder(tmp_path / "csv", PIP_CSV.encode())
    (folder / "klanten.csv").write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(SourceError, match="klanten is not a GGM table"):
        open_ggm(folder)


def test_the_kind_of_a_source_is_recognised_from_its_form(tmp_path: Path) -> None:
    assert detect_kind(tmp_path) is SourceKind.GGM_CSV
    assert detect_kind("a/b.jsonl") is SourceKind.DUO_BUNDLE
    assert detect_kind("b.db") is SourceKind.GGM_SQLITE
    assert detect_kind("postgresql+psycopg://postgres@127.0.0.1/test") is SourceKind.GGM_SQL
    with pytest.raises(SourceError, match="cannot tell the kind of source"):
        detect_kind("notes.txt")


def test_a_file_that_is_not_a_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "notes.sqlite"
    path.write_text("dit is geen database\n" * 100, encoding="utf-8")
    with pytest.raises(SourceError, match="notes.sqlite: cannot read GGM database"):
        open_ggm(path)


def test_the_encoding_is_found_in_chunks_even_when_a_character_is_cut_between_them(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from inburgering.sources import csvfolder

    monkeypatch.setattr(csvfolder, "_CHUNK", 4)
    path = tmp_path / "x.csv"
    path.write_bytes("id,naam\n1,José Müller\n".encode())
    assert csvfolder.csv_encoding(path) == "utf-8"
    path.write_bytes("id,naam\n1,José Müller\n".encode("cp1252"))
    assert csvfolder.csv_encoding(path) == "cp1252"
    path.write_bytes(b"id,naam\n1,\x81Jos\xc3")  # 0x81: not UTF-8, undefined in cp1252; a cut-off end
    with pytest.raises(SourceError, match=r"byte 0x81 at offset 10"):
        csvfolder.csv_encoding(path)


# Regression tests for what fuzzing the loader found (tests/loader/test_fuzz_ggm.py); each failed before the fix.
@pytest.mark.parametrize(("update", "field", "value", "kind"), [
    # SQLite stores any bytes as TEXT; sqlite3 raised 'Could not decode to UTF-8' out of the whole load.
    ("UPDATE pip SET dagtekening_pip = CAST(X'C3BDFF' AS TEXT) WHERE id = 11", "pip.dagtekening_pip",
     b"\xc3\xbd\xff", "date"),
    # A BLOB was turned into the text "b'\\x00\\x01'" by str() and published.
    ("UPDATE inburgeraar SET gedetailleerde_doelgroep = X'0001' WHERE id = 2",
     "inburgeraar.gedetailleerde_doelgroep", b"\x00\x01", "text"),
], ids=["text-not-utf8", "blob"])
def test_bytes_in_sqlite_are_a_problem_not_an_operational_error_or_their_repr(database: Path, update: str,
                                                                             field: str, value: bytes,
                                                                             kind: str) -> None:
    with sqlite3.connect(database) as db:
        db.execute(update)
    db.close()
    with open_ggm(database) as source:
        _, second = source.persons()
    assert [(p.field, p.value, p.reason) for p in second.problems if p.field == field] == [
        (field, value, f"binary data or text that is not UTF-8 (expected {kind})")]


@pytest.mark.parametrize("value", ["nan", "inf", "-Infinity", "1e400", pytest.param(10**400, id="10**400")])
def test_a_number_that_is_not_finite_is_a_problem(value: object) -> None:
    """'nan' and 'inf' passed float() and reached the mapping; an integer over 1.8e308 raised OverflowError."""
    from inburgering.sources.ggm_model import ggm_model
    from inburgering.sources.values import coerce

    [column] = [c for t in ggm_model().tables.values() for c in t.columns.values() if c.name == "boete_bedrag"]
    assert coerce(column, value) == (None, "expected a finite number (not NaN or infinity)")
