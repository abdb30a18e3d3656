"""Key terms in both languages, so English questions also match Polish passages lexically.

Dense retrieval is multilingual already; this adds the lexical side. Acronyms used by
the report are expanded too (KKK -> Krajowy Klaster Kluczowy).
"""

from __future__ import annotations

import re

EN_TO_PL = {
    "cluster": "klaster klastrów", "clusters": "klaster klastrów", "clustered": "klaster", "key": "kluczowy",
    "national": "krajowy", "member": "członek członków", "members": "członek członków", "poland": "polska polsce",
    "polish": "polski", "employment": "zatrudnienie", "employees": "zatrudnienie pracownik", 
    "productivity": "produktywność", "patent": "patent", "patents": "patentów", "wage": "wynagrodzenie płacowa",
    "wages": "wynagrodzenia premia płacowa", "salary": "wynagrodzenie", "salaries": "wynagrodzenia", "premium": "premia",
    "internship": "staż", "internships": "staże staży", "apprenticeships": "praktyk", "training": "szkolenia szkoleniach",
    "export": "eksport proeksportowych", "exports": "eksport", "fairs": "targi", "trade": "targi handel",
    "france": "francja francuski", "french": "francuski francji", "germany": "niemcy niemieckie", "german": "niemieckie",
    "spain": "hiszpania", "basque": "baskijski", "innovation": "innowacja innowacji", "innovations": "innowacji",
    "product": "produktowych", "process": "procesowych", "sales": "sprzedaży", "growth": "wzrost", "average": "średnio średnia",
    "median": "mediana", "share": "udział odsetek", "percent": "procent", "percentage": "procent", "projects": "projekty projektów",
    "project": "projekt", "international": "międzynarodowe zagraniczne", "foreign": "zagraniczne zagranicą",
    "agreements": "umowy", "partners": "partnerami", "circular": "obiegu zamkniętego", "economy": "gospodarka gospodarki",
    "green": "zielonej", "digital": "cyfrowej", "transformation": "transformacja", "transition": "transformacja",
    "security": "bezpieczeństwa", "defence": "obronny obronnego", "defense": "obronny", "drones": "drony", "aviation": "lotniczy",
    "automotive": "motoryzacyjna", "recommendations": "rekomendacje", "recommendation": "rekomendacja",
    "budget": "budżet", "funding": "finansowanie", "financing": "finansowanie", "coordinator": "koordynator koordynatorów",
    "coordinators": "koordynatorów", "phase": "faza fazie", "certified": "certyfikowano", "enterprises": "przedsiębiorstw",
    "companies": "firm przedsiębiorstw", "firms": "firm", "startups": "startupów", 
    "regions": "regiony regionów", "region": "region", "voivodeship": "województwo", "voivodeships": "województwach",
    "mazowieckie": "mazowieckim", "industry": "przemysł", "robotics": "robotyki", "automation": "automatyki",
    "artificial": "sztucznej", "intelligence": "inteligencji", "cybersecurity": "cyberbezpieczeństwa", "data": "dane",
    "big": "big", "printing": "druku", "internet": "internetu", "things": "rzeczy", "virtual": "wirtualną",
    "reality": "rzeczywistość", "low-emission": "niskoemisyjnych", "renewable": "oze odnawialne", "energy": "energii energetyka",
    "ict": "ict", "construction": "budownictwo", "tourism": "turystyka", "sector": "sektor sektorem", "sectors": "sektorów",
    "specialisation": "specjalizacja", "specialization": "specjalizacja", "source": "źródło", "sources": "źródła",
    "cited": "przypis", "footnote": "przypis", "gdp": "pkb", "investment": "inwestycje", "investments": "inwestycji",
    "correlation": "korelacja", "survey": "badanie", "study": "badanie", "studies": "badania", "education": "edukacji",
    "skills": "kompetencji umiejętności", "fdi": "fdi inwestycji bezpośrednich zagranicznych", "smes": "mśp",
    "sme": "mśp", "r&d": "b+r", "joint": "wspólne", "value": "wartości", "organisations": "organizacji organizacje",
    "organizations": "organizacji organizacje", "eu": "ue", "europe": "europejskich", "european": "europejski",
    "twin": "podwójnej bliźniaczej", "cloud": "chmura chmury", "computing": "obliczeniowej",
    "institutions": "instytucje instytucji", "institution": "instytucja", "indicators": "wskaźniki wskaźnikami",
    "indicator": "wskaźnik", "areas": "obszary obszarach", "area": "obszar", "competitiveness": "konkurencyjność",
    "presence": "obecność obecnością", "capita": "per capita", "definition": "definicja definicją",
    "participants": "uczestników", "edition": "edycja edycji", "technologies": "technologie technologii",
    "implemented": "wdrożyło wdraża", "use": "korzysta stosuje", "jobs": "miejsc pracy zatrudnienie",
    "workers": "pracowników", "specialists": "specjalistów", "contracts": "kontrakty umowy", "programme": "program",
    "program": "program", "policy": "polityka polityki", "mean": "średnia", "micro": "mikroprzedsiębiorstwa",
    "small": "małe", "medium": "średnie", "large": "duże", "universities": "uczelnie uczelni", "research": "badawcze naukowe",
    "panels": "panele", "meetings": "spotkania", "emissions": "emisji", "decarbonisation": "dekarbonizacji",
    "waste": "odpady odpadów", "resilience": "odporność", "supply": "dostaw", "chains": "łańcuchów",
    "launched": "zapoczątkowana uruchomiona", "started": "zapoczątkowana rozpoczęła", "initiative": "inicjatywa",
    "founded": "założony powstało", "established": "powstało utworzono", "phases": "fazy faz", "years": "lata",
    "monthly": "miesięczny", "weather": "pogoda", "hydrogen": "wodoru", "net-zero": "net-zero", "talent": "talent",
}

# Place names and demonyms: an English question about Silesia must find "Śląskich", and one about
# Germany must not be answered from a passage about Poland, so these stay hard keys in translation.
EN_NAMES = {
    "germany": "niemcy niemiecki", "german": "niemcy niemiecki", "france": "francja francuski",
    "french": "francja francuski", "spain": "hiszpania hiszpański", "spanish": "hiszpania hiszpański",
    "basque": "baskijski baskonia", "silesia": "śląsk śląskie śląski dolnośląskie dolnośląski", "silesian": "śląsk śląskie śląski",
    "flemish": "flandria flamandzki", "flanders": "flandria flamandzki", "belgium": "belgia belgijski",
    "italy": "włochy włoski", "italian": "włochy włoski", "czech": "czechy czeski", "usa": "usa stany",
    "american": "usa amerykański", "sweden": "szwecja szwedzki", "swedish": "szwecja szwedzki",
    "denmark": "dania duński", "danish": "dania duński", "austria": "austria austriacki",
    "netherlands": "holandia niderlandy", "dutch": "holandia niderlandzki", "lithuania": "litwa litewski",
    "ukraine": "ukraina ukraiński", "masovia": "mazowieckie mazowiecki", "pomerania": "pomorskie pomorski",
"wielkopolska": "wielkopolskie wielkopolski",
}

# Multi-word English terms first: "business support institutions" is one Polish term. A term of
# several words must appear in the answer in Polish (its first two lemmas; "|" separates variants).
EN_PHRASES = {
    "business support institutions": "instytucje otoczenia biznesu", "business support institution": "instytucje otoczenia biznesu",
    "research institutions": "instytucje badawcze jednostki naukowe", "research units": "jednostki naukowe",
    "total factor productivity": "produktywność całkowita czynników tfp", "lower silesia": "dolnośląskie dolnośląskim",
    "national key cluster": "krajowy klaster kluczowy kkk", "national key clusters": "krajowe klastry kluczowe kkk",
    "co-financed": "współfinansowanych dofinansowanych", "public funding": "finansowanie publiczne",
    "trade fairs": "targi", "circular economy": "gospodarka obieg zamknięty goz", "dual-use": "podwójnego zastosowania",
    "twin transition": "podwójna transformacja twin transition", "big data": "big data", "micro-enterprises": "mikroprzedsiębiorstwa",
    "micro enterprises": "mikroprzedsiębiorstwa", "small enterprises": "małe przedsiębiorstwa", "small firms": "małe firmy",
    "large enterprises": "duże przedsiębiorstwa", "medium-sized": "średnie", "thematic areas": "obszary tematyczne",
    "upskilling": "podnoszenie kompetencji szkolenia", "workshops": "warsztaty", "pearson": "pearsona korelacja",
    "frontier firms": "global frontier", "counterfactual": "kontrfaktyczne", "fdi": "bezpośrednie inwestycje zagraniczne fdi",
    "cloud computing": "chmura obliczeniowa", "gdp per capita": "pkb per capita|pkb na mieszkańca",
    "per capita": "per capita|na mieszkańca", "machine learning": "uczenie maszynowe",
    "energy": "energetyka odnawialne źródła energii", "renewables": "odnawialne źródła energii oze",
}

ACRONYMS = {
    "kkk": "Krajowy Klaster Kluczowy Krajowego Klastra Kluczowego", "goz": "gospodarka o obiegu zamkniętym",
    "mśp": "małe i średnie przedsiębiorstwa", "kis": "Krajowe Inteligentne Specjalizacje", "oze": "odnawialne źródła energii",
    "tfp": "produktywność całkowita czynników", "gva": "wartość dodana brutto", "fdi": "bezpośrednie inwestycje zagraniczne",
    "eccp": "European Cluster Collaboration Platform", "b+r": "badania i rozwój", "did": "difference-in-differences",
    "ue": "Unia Europejska", "eu": "Unia Europejska UE",
}


def glossary_texts() -> list[str]:
    """Every term of the glossary, both languages (ingest puts their lemmas in the store's cache)."""
    return [text.replace("|", " ") for table in (EN_TO_PL, EN_NAMES, EN_PHRASES, ACRONYMS) for item in table.items()
            for text in item]


def expand_query(question: str, language: str) -> str:
    """The lexical query: Polish questions plus acronym expansions; English questions as their
    Polish key terms plus names, acronyms and numbers (English words would only match the
    English titles in the bibliography)."""
    extra = []
    kept = []
    if language == "en":
        lowered = question.lower()
        for phrase, polish in EN_PHRASES.items():
            if re.search(rf"\b{re.escape(phrase)}\b", lowered):
                extra.append(polish.replace("|", " "))
    for word in re.findall(r"[\w+&-]+", question):
        lower = word.lower()
        if language == "en":
            if lower in EN_TO_PL or lower in EN_NAMES:
                extra.append(EN_TO_PL.get(lower) or EN_NAMES[lower])
            elif word[:1].isupper() or word[:1].isdigit():
                kept.append(word)
        if lower in ACRONYMS and word.isupper():
            extra.append(ACRONYMS[lower])
    if language == "en":
        return " ".join(kept + extra)
    return question if not extra else f"{question} {' '.join(extra)}"
