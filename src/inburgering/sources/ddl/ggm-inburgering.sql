-- GGM "Model Inburgering" v2.5.1 tables, generated from ggm-inburgering.yaml by
-- `python -m inburgering.sources.ggm_model` - do not edit by hand. Valid in SQLite and PostgreSQL.

-- GGM: NatuurlijkPersoon (Model Kern RSGB)
CREATE TABLE natuurlijk_persoon (
    id INTEGER PRIMARY KEY,
    bsn TEXT NOT NULL,
    geboortedatum DATE,
    geslachtsaanduiding TEXT
);

-- GGM: Vreemdeling
CREATE TABLE vreemdeling (
    id INTEGER PRIMARY KEY REFERENCES natuurlijk_persoon (id),
    v_nummer TEXT,
    sociaal_referent TEXT
);

-- GGM: Inburgeraar
CREATE TABLE inburgeraar (
    id INTEGER PRIMARY KEY REFERENCES vreemdeling (id),
    gedetailleerde_doelgroep TEXT,
    doelgroep INTEGER,
    gemeente TEXT NOT NULL
);

-- GGM: Aandachtspunt
CREATE TABLE aandachtspunt (
    id INTEGER PRIMARY KEY,
    aandachtspunt_omschrijving TEXT,
    start_datum DATE,
    eind_datum DATE,
    inburgeraar_id INTEGER REFERENCES inburgeraar (id)
);
CREATE INDEX ix_aandachtspunt_inburgeraar_id ON aandachtspunt (inburgeraar_id);

-- GGM: Inburgeringsplicht
CREATE TABLE inburgeringsplicht (
    id INTEGER PRIMARY KEY,
    indicator_inburgeringsplicht BOOLEAN,
    uitkomst_leerbaarheidstoets TEXT,
    beschikking_voldaan_inburgeringsplicht TEXT,
    v_nummer INTEGER,
    inburgeraar_specialisatie TEXT,
    datum_start DATE,
    datum_eind DATE,
    reden_geen_inburgeringsplicht TEXT,
    datum_gewijzigd_inburgeringsplicht DATE,
    wordt_behandels_als TEXT,
    datum_gewijzigd_wordt_behandeld_als DATE,
    inburgeraar_id INTEGER REFERENCES inburgeraar (id)
);
CREATE INDEX ix_inburgeringsplicht_inburgeraar_id ON inburgeringsplicht (inburgeraar_id);

-- GGM: Inburgeringstermijn
CREATE TABLE inburgeringstermijn (
    id INTEGER PRIMARY KEY,
    datum_aanvang_inburgeringstermijn DATE,
    datum_einde_inburgeringstermijn DATE,
    vooraankondiging_boete BOOLEAN,
    boete_bedrag DOUBLE PRECISION,
    datum_boete DATE,
    inburgeringsplicht_id INTEGER REFERENCES inburgeringsplicht (id)
);
CREATE INDEX ix_inburgeringstermijn_inburgeringsplicht_id ON inburgeringstermijn (inburgeringsplicht_id);

-- GGM: Aanvraag verlenging Inburgeringstermijn
CREATE TABLE aanvraag_verlenging_inburgeringstermijn (
    id INTEGER PRIMARY KEY,
    beoordeling_aanvraag_verlenging TEXT,
    verlengings_grond TEXT,
    inburgeringstermijn_id INTEGER REFERENCES inburgeringstermijn (id)
);
CREATE INDEX ix_aanvraag_verlenging_inburgeringstermijn_inburgeringstermijn_id ON aanvraag_verlenging_inburgeringstermijn (inburgeringstermijn_id);

-- GGM: Asielstatushouder
CREATE TABLE asielstatushouder (
    id INTEGER PRIMARY KEY REFERENCES inburgeraar (id),
    telefoonnummer_verblijf_azc TEXT,
    emailadres_verblijf_azc TEXT,
    digid_aangevraagd TEXT,
    rijbewijs TEXT,
    land_rijbewijs TEXT,
    is_gekoppeld_aan TEXT
);

-- GGM: Inburgeringstraject
CREATE TABLE inburgeringstraject (
    id INTEGER PRIMARY KEY,
    uitkomst_leerbaarheidstoets TEXT,
    inburgeringsplicht_id INTEGER REFERENCES inburgeringsplicht (id)
);
CREATE INDEX ix_inburgeringstraject_inburgeringsplicht_id ON inburgeringstraject (inburgeringsplicht_id);

-- GGM: Brede Intake
CREATE TABLE brede_intake (
    id INTEGER PRIMARY KEY,
    gevolgde_uren_knm_en_taalles INTEGER,
    uren_geoorloofd_verzuim INTEGER,
    uren_ongeoorloofd_verzuim INTEGER,
    datum_tot_peildatum DATE,
    aantal_uren_alfabetiserings_onderwijs INTEGER,
    startdatum DATE,
    einddatum DATE,
    inburgeringstraject_id INTEGER REFERENCES inburgeringstraject (id),
    lbt_resultaat TEXT,
    lbt_behaalde_score TEXT,
    lbt_benodigde_score TEXT,
    lbt_datum_afname DATE
);
CREATE INDEX ix_brede_intake_inburgeringstraject_id ON brede_intake (inburgeringstraject_id);

-- GGM: PIP
CREATE TABLE pip (
    id INTEGER PRIMARY KEY,
    dagtekening_initiele_pip DATE,
    dagtekening_pip DATE,
    naam_contact_persoon TEXT,
    email_contact_persoon TEXT,
    indicator_mag_opleiding_afmaken TEXT,
    inburgeraar_id INTEGER REFERENCES inburgeraar (id)
);
CREATE INDEX ix_pip_inburgeraar_id ON pip (inburgeraar_id);

-- GGM: Leerroute
CREATE TABLE leerroute (
    id INTEGER PRIMARY KEY,
    leerroute_type TEXT,
    niveau TEXT,
    geschatte_intensiteit_b1_route INTEGER,
    indicator_alfabetisering TEXT,
    indicator_toestemming_examen_a2 BOOLEAN,
    indicator_mag_opleiding_afmaken BOOLEAN,
    geen_leerbaarheidstoets_zb BOOLEAN,
    examen_a2 BOOLEAN,
    brede_intake_id INTEGER REFERENCES brede_intake (id),
    pip_id INTEGER REFERENCES pip (id)
);
CREATE INDEX ix_leerroute_brede_intake_id ON leerroute (brede_intake_id);
CREATE INDEX ix_leerroute_pip_id ON leerroute (pip_id);

-- GGM: B1-route
CREATE TABLE b1_route (
    id INTEGER PRIMARY KEY,
    examen_datum DATE,
    resultaat INTEGER,
    reden_geen_resultaat TEXT,
    aantal_gratis_examenpogingen_tegoed INTEGER,
    gevolgde_uren_participatie_taalles INTEGER,
    leerroute_id INTEGER REFERENCES leerroute (id)
);
CREATE INDEX ix_b1_route_leerroute_id ON b1_route (leerroute_id);

-- GGM: Diplomawaardering
CREATE TABLE diplomawaardering (
    id INTEGER PRIMARY KEY,
    niveau_competentie TEXT,
    waardering_aangevraagd BOOLEAN,
    diploma_waardering_voor TEXT,
    diploma_waardering_nederlands_niveau BOOLEAN,
    diploma_waardering_richting TEXT,
    asielstatushouder_id INTEGER REFERENCES asielstatushouder (id)
);
CREATE INDEX ix_diplomawaardering_asielstatushouder_id ON diplomawaardering (asielstatushouder_id);

-- GGM: Educatie
CREATE TABLE educatie (
    id INTEGER PRIMARY KEY,
    opleiding TEXT,
    educatie_van DATE,
    educatie_tot DATE,
    educatie_land TEXT,
    educatie_diploma TEXT,
    educatie_in_bezit BOOLEAN,
    asielstatushouder_id INTEGER REFERENCES asielstatushouder (id)
);
CREATE INDEX ix_educatie_asielstatushouder_id ON educatie (asielstatushouder_id);

-- GGM: Examen
CREATE TABLE examen (
    id INTEGER PRIMARY KEY,
    examen_resultaat TEXT,
    inburgeringstraject_id INTEGER REFERENCES inburgeringstraject (id)
);
CREATE INDEX ix_examen_inburgeringstraject_id ON examen (inburgeringstraject_id);

-- GGM: Examenonderdeel
CREATE TABLE examenonderdeel (
    id INTEGER PRIMARY KEY,
    examen_onderdeel_specificatie TEXT,
    resultaat TEXT,
    ontheffing BOOLEAN,
    reden_vrijstelling TEXT,
    datum_registratie_uitslag DATE,
    behaalde_score INTEGER,
    examen_id INTEGER REFERENCES examen (id),
    examendatum DATE,
    niveau TEXT,
    reden_geen_resultaat TEXT
);
CREATE INDEX ix_examenonderdeel_examen_id ON examenonderdeel (examen_id);

-- GGM: Gezinsmigrant en Overige migrant
CREATE TABLE gezinsmigrant_en_overige_migrant (
    id INTEGER PRIMARY KEY REFERENCES inburgeraar (id)
);

-- GGM: Hoofddoel
CREATE TABLE hoofddoel (
    id INTEGER PRIMARY KEY,
    doel TEXT,
    start_datum DATE,
    eind_datum DATE,
    inburgeraar_id INTEGER REFERENCES inburgeraar (id)
);
CREATE INDEX ix_hoofddoel_inburgeraar_id ON hoofddoel (inburgeraar_id);

-- GGM: ICT-Vaardigheid
CREATE TABLE ict_vaardigheid (
    id INTEGER PRIMARY KEY,
    ict_vaardigheid BOOLEAN,
    niveau_ict_vaardigheid TEXT,
    asielstatushouder_id INTEGER REFERENCES asielstatushouder (id)
);
CREATE INDEX ix_ict_vaardigheid_asielstatushouder_id ON ict_vaardigheid (asielstatushouder_id);

-- GGM: InburgeringsAanbod
CREATE TABLE inburgeringsaanbod (
    id INTEGER PRIMARY KEY,
    datum_inburgerings_aanbod DATE,
    datum_aanvang_taalschakel_traject DATE,
    datum_einde_cursus DATE,
    cursus_instelling TEXT,
    indicator_alfabetisering TEXT,
    taalschakel_traject BOOLEAN,
    datum_taalschakel_diploma DATE,
    participatie_deelname TEXT,
    contract_id INTEGER,
    inburgeraar_id INTEGER REFERENCES inburgeraar (id),
    pip_id INTEGER REFERENCES pip (id)
);
CREATE INDEX ix_inburgeringsaanbod_inburgeraar_id ON inburgeringsaanbod (inburgeraar_id);
CREATE INDEX ix_inburgeringsaanbod_pip_id ON inburgeringsaanbod (pip_id);

-- GGM: Voorbereiding op Inburgering
CREATE TABLE voorbereiding_op_inburgering (
    id INTEGER PRIMARY KEY,
    instemming_deelname_voorinburgering BOOLEAN,
    datum_instemming DATE,
    reden TEXT,
    asielstatushouder_id INTEGER REFERENCES asielstatushouder (id)
);
CREATE INDEX ix_voorbereiding_op_inburgering_asielstatushouder_id ON voorbereiding_op_inburgering (asielstatushouder_id);

-- GGM: Introductiemodule
CREATE TABLE introductiemodule (
    id INTEGER PRIMARY KEY,
    module_naam TEXT,
    deelname_introductie_module BOOLEAN,
    voorbereiding_op_inburgering_id INTEGER REFERENCES voorbereiding_op_inburgering (id)
);
CREATE INDEX ix_introductiemodule_voorbereiding_op_inburgering_id ON introductiemodule (voorbereiding_op_inburgering_id);

-- GGM: MAP
CREATE TABLE map (
    id INTEGER PRIMARY KEY,
    resultaat INTEGER,
    datum_eindgesprek_map DATE,
    reden_niet_succesvol_voltooid TEXT,
    indicator_verwijtbaar TEXT,
    leerroute_id INTEGER REFERENCES leerroute (id)
);
CREATE INDEX ix_map_leerroute_id ON map (leerroute_id);

-- GGM: Ontheffing
CREATE TABLE ontheffing (
    id INTEGER PRIMARY KEY,
    beslissing_ontheffing BOOLEAN,
    datum_ontheffing DATE,
    inburgeringsplicht_id INTEGER REFERENCES inburgeringsplicht (id),
    examenonderdeel_id INTEGER REFERENCES examenonderdeel (id),
    ontheffingsgrond TEXT
);
CREATE INDEX ix_ontheffing_inburgeringsplicht_id ON ontheffing (inburgeringsplicht_id);
CREATE INDEX ix_ontheffing_examenonderdeel_id ON ontheffing (examenonderdeel_id);

-- GGM: Ontwikkelwens
CREATE TABLE ontwikkelwens (
    id INTEGER PRIMARY KEY,
    ontwikkelwens_omschrijving TEXT,
    start_datum DATE,
    eind_datum DATE,
    inburgeraar_id INTEGER REFERENCES inburgeraar (id)
);
CREATE INDEX ix_ontwikkelwens_inburgeraar_id ON ontwikkelwens (inburgeraar_id);

-- GGM: PVT
CREATE TABLE pvt (
    id INTEGER PRIMARY KEY,
    resultaat INTEGER,
    datum_ondertekening_pvt DATE,
    reden_niet_voldaan TEXT,
    verwijtbaar_niet_voldaan BOOLEAN,
    leerroute_id INTEGER REFERENCES leerroute (id)
);
CREATE INDEX ix_pvt_leerroute_id ON pvt (leerroute_id);

-- GGM: Subdoel Aandachtspunt
CREATE TABLE subdoel_aandachtspunt (
    id INTEGER PRIMARY KEY,
    subdoel TEXT,
    startdatum DATE,
    einddatum DATE,
    aandachtspunt_id INTEGER REFERENCES aandachtspunt (id)
);
CREATE INDEX ix_subdoel_aandachtspunt_aandachtspunt_id ON subdoel_aandachtspunt (aandachtspunt_id);

-- GGM: Subdoel Ontwikkelwens
CREATE TABLE subdoel_ontwikkelwens (
    id INTEGER PRIMARY KEY,
    subdoel TEXT,
    start_datum DATE,
    eind_datum DATE,
    ontwikkelwens_id INTEGER REFERENCES ontwikkelwens (id)
);
CREATE INDEX ix_subdoel_ontwikkelwens_ontwikkelwens_id ON subdoel_ontwikkelwens (ontwikkelwens_id);

-- GGM: Taalvaardigheid
CREATE TABLE taalvaardigheid (
    id INTEGER PRIMARY KEY,
    toets_taalleerbaarheid TEXT,
    score INTEGER,
    resultaat_toets_taalleerbaarheid INTEGER,
    toets_spreekvaardigheid TEXT,
    resultaat_toets_spreekvaardigheid INTEGER,
    opleidingsniveau_geschat TEXT,
    taalles_activiteit BOOLEAN,
    start_van_taalles_activiteit DATE,
    einde_van_taalles_actviteit DATE,
    resultaat_taalles TEXT,
    presentie_taalles TEXT,
    taalvaardigheid_overall TEXT,
    taalvaardigheid_mondeling TEXT,
    taalvaardigheid_schriftelijk TEXT,
    asielstatushouder_id INTEGER REFERENCES asielstatushouder (id)
);
CREATE INDEX ix_taalvaardigheid_asielstatushouder_id ON taalvaardigheid (asielstatushouder_id);

-- GGM: Training
CREATE TABLE training (
    id INTEGER PRIMARY KEY,
    training_gevolgd BOOLEAN,
    periode_training TEXT,
    resultaat_training TEXT,
    inburgeraar_id INTEGER REFERENCES inburgeraar (id)
);
CREATE INDEX ix_training_inburgeraar_id ON training (inburgeraar_id);

-- GGM: Verblijfplaats AZC
CREATE TABLE verblijfplaats_azc (
    id INTEGER PRIMARY KEY,
    plaats TEXT,
    straatnummer TEXT,
    huisnummer TEXT,
    asielstatushouder_id INTEGER REFERENCES asielstatushouder (id)
);
CREATE INDEX ix_verblijfplaats_azc_asielstatushouder_id ON verblijfplaats_azc (asielstatushouder_id);

-- GGM: Verlengingsgrond
CREATE TABLE verlengingsgrond (
    id INTEGER PRIMARY KEY,
    aanwezigheid_aanvraag_verlening BOOLEAN,
    verlenging_in_weken INTEGER,
    verlengingsgrondslag TEXT,
    datum_aanvang_verlengingsgrond DATE,
    datum_einde_verlengingsgrond DATE,
    datum_beoordeling_verlengingsgrond DATE,
    aanvraag_verlenging_inburgeringstermijn_id INTEGER REFERENCES aanvraag_verlenging_inburgeringstermijn (id)
);
CREATE INDEX ix_verlengingsgrond_aanvraag_verlenging_inburgeringstermijn_id ON verlengingsgrond (aanvraag_verlenging_inburgeringstermijn_id);

-- GGM: Vrijstelling
CREATE TABLE vrijstelling (
    id INTEGER PRIMARY KEY,
    eindoordeel_vrijstelling TEXT,
    datum_vrijstelling DATE,
    inburgeringsplicht_id INTEGER REFERENCES inburgeringsplicht (id),
    examenonderdeel_id INTEGER REFERENCES examenonderdeel (id),
    oordeel TEXT,
    reden_vrijstelling TEXT
);
CREATE INDEX ix_vrijstelling_inburgeringsplicht_id ON vrijstelling (inburgeringsplicht_id);
CREATE INDEX ix_vrijstelling_examenonderdeel_id ON vrijstelling (examenonderdeel_id);

-- GGM: Werk
CREATE TABLE werk (
    id INTEGER PRIMARY KEY,
    cv_gemaakt BOOLEAN,
    vrije_tekst_besteding TEXT,
    ambitie TEXT,
    contact_uaf TEXT,
    beroep TEXT,
    beroep_van DATE,
    beroep_tot DATE,
    soort_aanstelling TEXT,
    taak TEXT,
    taak_van DATE,
    taak_tot DATE,
    asielstatushouder_id INTEGER REFERENCES asielstatushouder (id)
);
CREATE INDEX ix_werk_asielstatushouder_id ON werk (asielstatushouder_id);

-- GGM: Z-route
CREATE TABLE z_route (
    id INTEGER PRIMARY KEY,
    resultaat INTEGER,
    examen_datum DATE,
    onderdeel TEXT,
    niveau TEXT,
    reden_geen_resultaat TEXT,
    aantal_gratis_examenpogingen_tegoed INTEGER,
    gevolgde_uren_participatie_activiteiten INTEGER,
    leerroute_id INTEGER REFERENCES leerroute (id)
);
CREATE INDEX ix_z_route_leerroute_id ON z_route (leerroute_id);
