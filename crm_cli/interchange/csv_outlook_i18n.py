"""The column names of Outlook's CSV export in German, French, Italian and Spanish.

Outlook writes its header in the language of the installation. The names here are
those of real exports, as listed by Roundcube (its ``program/localization/*/
csv2vcard.inc`` files, which it uses to read Outlook exports) and checked against
German Outlook headers reproduced in several converters; each maps to the English
column the Outlook reader knows. A Spanish Outlook leaves some columns in English
("Birthday", "Notes"...): those need no translation. Names are compared
case-insensitively (Outlook versions differ: "CAP di Lavoro", "CAP di lavoro").
"""

from __future__ import annotations

_ADDRESS = ("Street", "City", "State", "Postal Code", "Country/Region")


def _address(kind: str, *names: str) -> dict[str, str]:
    return {name: f"{kind} {part}" for name, part in zip(names, _ADDRESS, strict=True)}


GERMAN = {
    "Anrede": "Title",
    "Vorname": "First Name",
    "Weitere Vornamen": "Middle Name",
    "Nachname": "Last Name",
    "Firma": "Company",
    "Abteilung": "Department",
    "Position": "Job Title",
    "E-Mail-Adresse": "E-mail Address",
    "E-Mail 2: Adresse": "E-mail 2 Address",
    "E-Mail 3: Adresse": "E-mail 3 Address",
    "Mobiltelefon": "Mobile Phone",
    "Haupttelefon": "Primary Phone",
    "Telefon geschäftlich": "Business Phone",
    "Telefon geschäftlich 2": "Business Phone 2",
    "Telefon privat": "Home Phone",
    "Telefon (privat)": "Home Phone",
    "Telefon privat 2": "Home Phone 2",
    "Telefon (privat 2)": "Home Phone 2",
    "Weiteres Telefon": "Other Phone",
    "Autotelefon": "Car Phone",
    "Rückmeldung": "Callback",
    "E-Mail-Typ": "E-mail Type",
    "E-Mail: Angezeigter Name": "E-mail Display Name",
    "E-Mail 2: Typ": "E-mail 2 Type",
    "E-Mail 2: Angezeigter Name": "E-mail 2 Display Name",
    "E-Mail 3: Typ": "E-mail 3 Type",
    "E-Mail 3: Angezeigter Name": "E-mail 3 Display Name",
    "Fax geschäftlich": "Business Fax",
    "Fax privat": "Home Fax",
    "Weiteres Fax": "Other Fax",
    **_address(
        "Home",
        "Straße privat",
        "Ort privat",
        "Bundesland/Kanton privat",
        "Postleitzahl privat",
        "Land/Region privat",
    ),
    **_address(
        "Business",
        "Straße geschäftlich",
        "Ort geschäftlich",
        "Region geschäftlich",
        "Postleitzahl geschäftlich",
        "Land/Region geschäftlich",
    ),
    **_address(
        "Other",
        "Weitere Straße",
        "Weiterer Ort",
        "Weiteres/r Bundesland/Kanton",
        "Weitere Postleitzahl",
        "Weiteres/e Land/Region",
    ),
    "Geburtstag": "Birthday",
    "Jahrestag": "Anniversary",
    "Notizen": "Notes",
    "Kategorien": "Categories",
    "Webseite": "Web Page",
    "Geschlecht": "Gender",
}

FRENCH = {
    "Titre": "Title",
    "Prénom": "First Name",
    "Deuxième prénom": "Middle Name",
    "Nom": "Last Name",
    "Société": "Company",
    "Service": "Department",
    "Profession": "Job Title",
    "Adresse de messagerie": "E-mail Address",
    "Adresse de messagerie 2": "E-mail 2 Address",
    "Adresse de messagerie 3": "E-mail 3 Address",
    "Tél. mobile": "Mobile Phone",
    "Téléphone principal": "Primary Phone",
    "Téléphone (bureau)": "Business Phone",
    "Téléphone 2 (bureau)": "Business Phone 2",
    "Téléphone (domicile)": "Home Phone",
    "Téléphone 2 (domicile)": "Home Phone 2",
    "Téléphone (autre)": "Other Phone",
    "Téléphone (voiture)": "Car Phone",
    "Télécopie (bureau)": "Business Fax",
    "Télécopie (domicile)": "Home Fax",
    "Télécopie (autre)": "Other Fax",
    **_address(
        "Home",
        "Rue (domicile)",
        "Ville (domicile)",
        "Dép/Région (domicile)",
        "Code postal (domicile)",
        "Pays/Région (domicile)",
    ),
    **_address(
        "Business",
        "Rue (bureau)",
        "Ville (bureau)",
        "Dép/Région (bureau)",
        "Code postal (bureau)",
        "Pays/Région (bureau)",
    ),
    **_address(
        "Other",
        "Rue (autre)",
        "Ville (autre)",
        "Dép/Région (autre)",
        "Code postal (autre)",
        "Pays/Région (autre)",
    ),
    "Anniversaire": "Birthday",
    "Anniversaire de mariage ou fête": "Anniversary",
    "Notes": "Notes",
    "Catégories": "Categories",
    "Page Web": "Web Page",
    "Sexe": "Gender",
}

ITALIAN = {
    "Titolo": "Title",
    "Nome": "First Name",
    "Secondo nome": "Middle Name",
    "Cognome": "Last Name",
    "Società": "Company",
    "Reparto": "Department",
    "Qualifica": "Job Title",
    "Indirizzo e-mail": "E-mail Address",
    "Indirizzo e-mail 2": "E-mail 2 Address",
    "Indirizzo e-mail 3": "E-mail 3 Address",
    "Telefono mobile": "Mobile Phone",
    "Telefono principale": "Primary Phone",
    "Telefono di lavoro": "Business Phone",
    "Telefono di lavoro 2": "Business Phone 2",
    "Telefono di casa": "Home Phone",
    "Telefono di casa 2": "Home Phone 2",
    "Phone Altro": "Other Phone",
    "Telefono dell'auto": "Car Phone",
    "Fax di lavoro": "Business Fax",
    "Fax di casa": "Home Fax",
    "Fax Altro": "Other Fax",
    **_address(
        "Home",
        "Indirizzo di casa",
        "Città di residenza",
        "Provincia di residenza",
        "CAP di casa",
        "Nazione/Regione di casa",
    ),
    **_address(
        "Business",
        "Indirizzo di lavoro",
        "Città di lavoro",
        "Provincia di lavoro",
        "CAP di lavoro",
        "Nazione/Regione di lavoro",
    ),
    **_address(
        "Other",
        "Via Altro",
        "Città Altro",
        "Stato Altro",
        "CAP Postale Altro",
        "Nazione/Regione Altro",
    ),
    "Compleanno": "Birthday",
    "Anniversario": "Anniversary",
    "Note": "Notes",
    "Categorie": "Categories",
    "Pagina Web": "Web Page",
    "Genere": "Gender",
}

SPANISH = {
    "Nombre": "First Name",
    "Segundo nombre": "Middle Name",
    "Apellidos": "Last Name",
    "Organización": "Company",
    "Puesto": "Job Title",
    "Dirección de correo electrónico": "E-mail Address",
    "Dirección de correo electrónico 2": "E-mail 2 Address",
    "Dirección del correo electrónico 3": "E-mail 3 Address",
    "Teléfono móvil": "Mobile Phone",
    "Teléfono principal": "Primary Phone",
    "Teléfono del trabajo": "Business Phone",
    "Particular": "Home Phone",
    "Otro teléfono": "Other Phone",
    "Otro fax": "Other Fax",
    "País o región del domicilio": "Home Country/Region",
    **_address(
        "Business",
        "Calle del trabajo",
        "Ciudad de trabajo",
        "Provincia o estado de trabajo",
        "Código postal del trabajo",
        "País o región del trabajo",
    ),
    **_address(
        "Other",
        "Otra calle",
        "Otra ciudad",
        "Otra provincia o estado",
        "Otro código postal",
        "Otro país o región",
    ),
    "Categorías": "Categories",
    "Página web": "Web Page",
    "Género": "Gender",
}

LANGUAGES = {"German": GERMAN, "French": FRENCH, "Italian": ITALIAN, "Spanish": SPANISH}
_FOLDED = {
    language: {name.casefold(): english for name, english in table.items()}
    for language, table in LANGUAGES.items()
}
_NAME_COLUMNS = {"First Name", "Last Name"}
_MIN_MATCHES = 3  # "Nome", "Note" and "Position" alone do not make a localised Outlook


def translate(header: list[str]) -> tuple[str, list[str]] | None:
    """``(language, the header in English)`` for a localised Outlook header, else None."""
    best: tuple[int, str] | None = None
    for language, table in _FOLDED.items():
        found = sum(1 for h in header if h.casefold() in table)
        if best is None or found > best[0]:
            best = (found, language)
    if best is None or best[0] < _MIN_MATCHES:
        return None
    table = _FOLDED[best[1]]
    english = [table.get(h.casefold(), h) for h in header]
    if not _NAME_COLUMNS & set(english):
        return None
    return best[1], english
