"""Names, streets and districts of the demo municipality, and the texts case workers write. Pure
data and samplers (no Django): names common among Danes born 1920–1960 (Danmarks Statistik's
name statistics), streets found in most Danish towns, and a fictitious municipality, Fjordby."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import NamedTuple

MUNICIPALITY_CODE = "999"  # real Danish municipality codes run 101–860: 999 is none of them
MUNICIPALITY_NAME = "Fjordby Kommune"


class DistrictSpec(NamedTuple):
    code: str
    name: str
    kind: str  # core.models.DistrictKind
    postcode: str
    city: str
    weight: float  # share of the citizens


DISTRICTS: tuple[DistrictSpec, ...] = (
    DistrictSpec("MID", "Fjordby Midtby", "town", "4980", "Fjordby", 0.20),
    DistrictSpec("HAV", "Havnekvarteret", "town", "4980", "Fjordby", 0.14),
    DistrictSpec("NOR", "Nørrevang", "suburb", "4981", "Fjordby N", 0.15),
    DistrictSpec("VST", "Vestervang", "suburb", "4982", "Fjordby V", 0.14),
    DistrictSpec("SKH", "Skovhøj", "suburb", "4983", "Skovhøj", 0.11),
    DistrictSpec("EGB", "Egebjerg", "rural", "4985", "Egebjerg", 0.10),
    DistrictSpec("KLB", "Kildebro", "rural", "4986", "Kildebro", 0.09),
    DistrictSpec("HVB", "Havrebjerg", "rural", "4987", "Havrebjerg", 0.07),
)

WOMEN = (
    "Kirsten", "Hanne", "Inge", "Birgit", "Jytte", "Grethe", "Karen", "Else", "Ruth", "Lis", "Bente",
    "Ingrid", "Edith", "Gerda", "Ella", "Erna", "Gudrun", "Margrethe", "Ellen", "Elisabeth", "Anna",
    "Annelise", "Anni", "Vibeke", "Tove", "Jonna", "Aase", "Eva", "Ida", "Kamma", "Helga", "Bodil",
    "Lilly", "Alice", "Esther", "Inger", "Lene", "Susanne", "Dorthe", "Connie", "Gitte", "Marianne",
)
MEN = (
    "Jens", "Poul", "Niels", "Hans", "Jørgen", "Ole", "Erik", "Knud", "Bent", "Svend", "Per", "Leif",
    "Kurt", "Henning", "Arne", "Preben", "Finn", "Carl", "Aage", "Kaj", "Verner", "Børge", "Erling",
    "Frede", "Holger", "Kjeld", "Palle", "Torben", "Flemming", "John", "Peter", "Mogens", "Bjarne",
    "Egon", "Ejnar", "Villy", "Orla", "Viggo", "Jørn", "Gunnar",
)
#: The most common Danish surnames, most frequent first (sampled with falling weights).
SURNAMES = (
    "Nielsen", "Jensen", "Hansen", "Pedersen", "Andersen", "Christensen", "Larsen", "Sørensen",
    "Rasmussen", "Jørgensen", "Petersen", "Madsen", "Kristensen", "Olsen", "Thomsen", "Christiansen",
    "Poulsen", "Johansen", "Møller", "Mortensen", "Knudsen", "Jakobsen", "Mikkelsen", "Olesen",
    "Frederiksen", "Laursen", "Henriksen", "Lund", "Schmidt", "Eriksen", "Holm", "Kristiansen",
    "Clausen", "Simonsen", "Svendsen", "Andreasen", "Iversen", "Jeppesen", "Mogensen", "Jacobsen",
    "Vestergaard", "Nissen", "Lauridsen", "Kjær", "Jespersen", "Bertelsen", "Dahl", "Bach",
    "Søndergaard", "Østergaard",
)
_SURNAME_WEIGHTS = tuple(1 / (rank + 4) for rank in range(len(SURNAMES)))
_SURNAME_CUMULATIVE: list[float] = []
_total = 0.0
for _weight in _SURNAME_WEIGHTS:
    _total += _weight
    _SURNAME_CUMULATIVE.append(_total)

#: Citizens who prefer another language than Danish (Citizen.language), with fitting names.
FOREIGN = {
    "sv": (("Astrid", "Birgitta", "Gunnel", "Sven", "Lennart", "Bengt"),
           ("Lindqvist", "Berg", "Nyström", "Karlsson", "Holmberg")),
    "nb": (("Solveig", "Ragnhild", "Kari", "Odd", "Arne", "Terje"),
           ("Haugen", "Bakke", "Solberg", "Strand", "Dahle")),
    "en": (("Margaret", "Patricia", "Joan", "George", "Arthur", "Thomas"),
           ("Smith", "Taylor", "Brown", "Wilson", "Evans")),
}
LANGUAGE_SHARES = (("da", 0.95), ("en", 0.02), ("sv", 0.015), ("nb", 0.015))

STREETS_TOWN = (
    "Algade", "Østergade", "Vestergade", "Nørregade", "Søndergade", "Havnegade", "Torvet", "Slotsgade",
    "Kirkestræde", "Fjordgade", "Brogade", "Jernbanegade", "Skolegade", "Smedegade", "Kongensgade",
)
STREETS_SUBURB = (
    "Birkevej", "Egevej", "Bøgevej", "Lindevej", "Rosenvej", "Violvej", "Kastanievej", "Ahornvej",
    "Elmevej", "Granvej", "Tulipanvej", "Liljevej", "Lærkevej", "Svanevej", "Vibevej", "Parkvej",
)
STREETS_RURAL = (
    "Kirkevej", "Møllevej", "Skovvej", "Engvej", "Markvej", "Bakkevej", "Mosevej", "Kildevej",
    "Stationsvej", "Bygaden", "Agervej", "Præstevej", "Strandvejen", "Gadekæret",
)
FLOORS = ("st. tv.", "st. th.", "1. tv.", "1. th.", "2. tv.", "2. th.", "3. tv.")
RELATIONS = ("datter", "søn", "ægtefælle", "svigerdatter", "nevø", "niece", "barnebarn")


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str
    language: str
    female: bool


def person(rng: random.Random) -> Person:
    """Two in three home-help recipients are women (Danmarks Statistik, AED06 by sex)."""
    female = rng.random() < 0.64
    draw = rng.random()
    language = "da"
    cumulative = 0.0
    for code, share in LANGUAGE_SHARES:
        cumulative += share
        if draw < cumulative:
            language = code
            break
    if language != "da":
        first_names, last_names = FOREIGN[language]
        half = len(first_names) // 2
        pool = first_names[:half] if female else first_names[half:]
        return Person(pool[int(rng.random() * len(pool))], last_names[int(rng.random() * len(last_names))],
                      language, female)
    first_pool = WOMEN if female else MEN
    first = first_pool[int(rng.random() * len(first_pool))]
    if rng.random() < 0.15:  # a double first name, as many of this generation have
        second = first_pool[int(rng.random() * len(first_pool))]
        if second != first:
            first = f"{first} {second}"
    return Person(first, surname(rng), language, female)


def surname(rng: random.Random) -> str:
    target = rng.random() * _SURNAME_CUMULATIVE[-1]
    low, high = 0, len(_SURNAME_CUMULATIVE) - 1
    while low < high:
        middle = (low + high) // 2
        if _SURNAME_CUMULATIVE[middle] < target:
            low = middle + 1
        else:
            high = middle
    return SURNAMES[low]


def address(rng: random.Random, district_kind: str) -> str:
    if district_kind == "town":
        street = STREETS_TOWN[int(rng.random() * len(STREETS_TOWN))]
        return f"{street} {1 + int(rng.random() * 80)}, {FLOORS[int(rng.random() * len(FLOORS))]}"
    pool = STREETS_SUBURB if district_kind == "suburb" else STREETS_RURAL
    return f"{pool[int(rng.random() * len(pool))]} {1 + int(rng.random() * 120)}"


def district_index(rng: random.Random) -> int:
    draw = rng.random()
    cumulative = 0.0
    for index, spec in enumerate(DISTRICTS):
        cumulative += spec.weight
        if draw < cumulative:
            return index
    return len(DISTRICTS) - 1


# --- What the case worker writes -----------------------------------------------------------------

HOMES = (
    "Bor alene i lejlighed på 1. sal uden elevator.", "Bor alene i eget hus.",
    "Bor med ægtefælle, som selv er svækket.", "Bor alene i ældrebolig i stueetagen.",
    "Bor i rækkehus; datteren bor i nærheden.", "Bor alene; ingen pårørende i kommunen.",
)
MOBILITY = (
    "Går sikkert uden hjælpemidler indendørs.", "Går med rollator og er usikker på trapper.",
    "Bruger kørestol udendørs.", "Har faldet to gange det seneste halve år.",
    "Forflytning kræver hjælp fra én person.",
)
WISHES = (
    "Jeg vil gerne klare mig selv så længe som muligt.", "Det er svært at holde hjemmet rent nu.",
    "Jeg vil helst have de samme hjælpere hver gang.", "Min datter hjælper med indkøb, men ikke med rengøring.",
    "Jeg er træt om morgenen og har brug for hjælp til at komme i gang.",
    "Jeg vil gerne have hjælp om aftenen, så jeg kan blive boende.",
)
DEMENTIA_NOTES = (
    "Kendt demens; glemmer måltider og medicin.", "Begyndende hukommelsessvækkelse; pårørende bekymrede.",
)


def assessment_notes(rng: random.Random, need: float, dementia: bool) -> tuple[str, str]:
    """The assessor's observations and the citizen's own view, as free text."""
    mobility = MOBILITY[min(len(MOBILITY) - 1, int(need * len(MOBILITY) + rng.random()))]
    notes = f"{HOMES[int(rng.random() * len(HOMES))]} {mobility}"
    if dementia:
        notes += " " + DEMENTIA_NOTES[int(rng.random() * len(DEMENTIA_NOTES))]
    return notes, WISHES[int(rng.random() * len(WISHES))]
