"""Key terms in both languages, so English questions also match Polish passages lexically.

Dense retrieval is multilingual already; this adds the lexical side. Acronyms used by
the report are expanded too (KKK -> Krajowy Klaster Kluczowy).
"""

from __future__ import annotations

import re

EN_TO_PL = {
    "cluster": "klaster klastrów", "clusters": "klaster klastrów", "clustered": "klaster", "key": "kluczowy",
    "national": "krajowy", "member": "członek członków", "members": "członek członków", "poland": "polska polsce",
    "polish": "polski", "employment": "zatrudnienie", "employees": "zatrudnienie pracownik", "jobs": "miejsca pracy",
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
    "companies": "firm przedsiębiorstw", "firms": "firm", "startups": "startupów", "universities": "uczelnie",
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
    "salary": "wynagrodzenie", "monthly": "miesięczny", "weather": "pogoda", "members": "członek członków", "hydrogen": "wodoru", "net-zero": "net-zero", "talent": "talent",
}

ACRONYMS = {
    "kkk": "Krajowy Klaster Kluczowy Krajowego Klastra Kluczowego", "goz": "gospodarka o obiegu zamkniętym",
    "mśp": "małe i średnie przedsiębiorstwa", "kis": "Krajowe Inteligentne Specjalizacje", "oze": "odnawialne źródła energii",
    "tfp": "produktywność całkowita czynników", "gva": "wartość dodana brutto", "fdi": "bezpośrednie inwestycje zagraniczne",
    "eccp": "European Cluster Collaboration Platform", "b+r": "badania i rozwój", "did": "difference-in-differences",
    "ue": "Unia Europejska", "eu": "Unia Europejska UE",
}


def expand_query(question: str, language: str) -> str:
    """The lexical query: Polish questions plus acronym expansions; English questions as their
    Polish key terms plus names, acronyms and numbers (English words would only match the
    English titles in the bibliography)."""
    extra = []
    kept = []
    for word in re.findall(r"[\w+&-]+", question):
        lower = word.lower()
        if language == "en":
            if lower in EN_TO_PL:
                extra.append(EN_TO_PL[lower])
            elif word[:1].isupper() or word[:1].isdigit():
                kept.append(word)
        if lower in ACRONYMS and word.isupper():
            extra.append(ACRONYMS[lower])
    if language == "en":
        return " ".join(kept + extra)
    return question if not extra else f"{question} {' '.join(extra)}"
