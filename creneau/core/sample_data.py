"""French names, places and valid identifiers, for the demo data and the benchmarks.

Everything takes a `random.Random`, so that a seed gives the same data on every machine.
The identifiers (SIREN/SIRET, VAT, IBAN, ICS, phones) pass the same checks as what users
type; e-mail addresses use the reserved example.com/.net/.org domains, so that nothing
generated here can reach a real mailbox.
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass

import phonenumbers
from schwifty import IBAN
from stdnum import luhn
from stdnum.eu import at_02

# The most frequent French surnames, most frequent first (an underscore joins the words of
# one name). surname() picks them with weights that decrease with rank, as on real data.


def _words(text: str) -> list[str]:
    """The words of a block of text (an underscore joins the words of one name)."""
    return [word.replace("_", " ") for word in text.split()]


SURNAMES = _words(
    """
Martin Bernard Thomas Petit Robert Richard Durand Dubois Moreau Laurent Simon Michel
Lefebvre Leroy Roux David Bertrand Morel Fournier Girard Bonnet Dupont Lambert Fontaine
Rousseau Vincent Muller Lefèvre Faure André Mercier Blanc Guérin Boyer Garnier Chevalier
François Legrand Gauthier Garcia Perrin Robin Clément Morin Nicolas Henry Roussel Mathieu
Gautier Masson Marchand Duval Denis Dumont Marie Lemaire Noël Meyer Dufour Meunier Brun
Blanchard Giraud Joly Rivière Lucas Brunet Gaillard Barbier Arnaud Martinez Gérard Roche
Renard Schmitt Roy Leroux Colin Vidal Caron Picard Roger Fabre Aubert Lemoine Renaud Dumas
Lacroix Olivier Philippe Bourgeois Pierre Benoît Rey Leclerc Payet Rolland Leclercq
Guillaume Lecomte Lopez Jean Dupuy Guillot Hubert Berger Carpentier Sanchez Dupuis Moulin
Louis Deschamps Huet Vasseur Perez Boucher Fleury Royer Klein Jacquet Adam Paris Poirier
Marty Aubry Guyot Carré Charles Renault Charpentier Ménard Maillard Baron Bertin Bailly
Hervé Schneider Fernandez Collet Léger Bouvier Julien Prévost Millet Perrot Daniel Cousin
Germain Breton Besson Langlois Rémy Pelletier Lévêque Perrier Leblanc Barré Lebrun
Marchal Weber Mallet Hamon Boulanger Jacob Monnier Michaud Rodriguez Guichard Gillet
Étienne Grondin Poulain Tessier Chevallier Collin Chauvin Bouchet Gay Lemaître Bénard
Maréchal Humbert Reynaud Antoine Hoarau Perret Barthélemy Cordier Pichon Lejeune Gilbert
Lamy Delaunay Pasquier Carlier Laporte Le_Gall Le_Goff Le_Roux Da_Silva Ferreira Lebon
Tanguy Kervella Le_Bihan Quéré Jouan Salaün Morvan Cadiou Riou Ollivier Bouvet Texier
"""
)
_SURNAME_WEIGHTS = [1 / (rank + 4) ** 0.5 for rank in range(len(SURNAMES))]

# Syllables of rarer surnames (Kerrolac, Villardot...): a large customer base has tens of
# thousands of distinct names, and a search for one of them finds a handful of customers.
_RARE_STARTS = _words(
    "Ber Gar Mar Lam Dav Fon Mor Char Bou Ker Lou Pel Mon Bri Cha Gui Ros Vil Tes Ray Sau Gri "
    "Bal Cor Mas Fer Lan Rab Tou Val"
)
_RARE_MIDDLES = ["", "", "ol", "an", "er", "ig", "ar", "ev", "om"]
_RARE_ENDS = _words("and ier ot el et in ard eau ou ac ès y on aud ault eix ec ieu enne ade")

FIRST_NAMES = _words(
    """
Jean Marie Pierre Michel Nathalie Isabelle Philippe Catherine Sylvie Françoise Alain
Christine Patrick Nicolas Sophie Christophe Valérie Stéphane Sandrine Laurent Céline
Frédéric Julien Aurélie Éric David Camille Thomas Julie Sébastien Émilie Olivier Caroline
Anne Hélène Jacques Martine Bernard Monique Daniel Brigitte Hugo Léa Louis Chloé Lucas
Manon Gabriel Emma Arthur Jade Raphaël Louise Paul Alice Jules Inès Maxime Sarah Antoine
Pauline Guillaume Marine Romain Laura Mathieu Claire Vincent Élodie Benoît Agnès Yves
Odile Gérard Josiane André Colette Henri Geneviève François Danielle Thierry Corinne
"""
)

# (city, postcode, weight): big cities get several postcodes and more customers.
CITIES: list[tuple[str, str, int]] = [
    ("Paris", "75011", 6), ("Paris", "75015", 6), ("Paris", "75017", 5), ("Paris", "75020", 5),
    ("Paris", "75008", 3), ("Paris", "75005", 3), ("Boulogne-Billancourt", "92100", 3),
    ("Neuilly-sur-Seine", "92200", 2), ("Versailles", "78000", 3), ("Saint-Denis", "93200", 2),
    ("Montreuil", "93100", 2), ("Créteil", "94000", 2), ("Vincennes", "94300", 2),
    ("Argenteuil", "95100", 2), ("Lyon", "69003", 5), ("Lyon", "69006", 4),
    ("Villeurbanne", "69100", 3), ("Marseille", "13008", 5), ("Marseille", "13005", 4),
    ("Aix-en-Provence", "13100", 3), ("Toulon", "83000", 3), ("Nice", "06000", 4),
    ("Antibes", "06600", 2), ("Cannes", "06400", 2), ("Montpellier", "34000", 4),
    ("Nîmes", "30000", 2), ("Avignon", "84000", 2), ("Toulouse", "31000", 5),
    ("Toulouse", "31400", 3), ("Bordeaux", "33000", 5), ("Mérignac", "33700", 2),
    ("Pessac", "33600", 2), ("Bayonne", "64100", 2), ("Pau", "64000", 2),
    ("Nantes", "44000", 5), ("Nantes", "44300", 3), ("Saint-Herblain", "44800", 2),
    ("Saint-Nazaire", "44600", 2), ("Rennes", "35000", 4), ("Brest", "29200", 3),
    ("Quimper", "29000", 2), ("Lorient", "56100", 2), ("Vannes", "56000", 2),
    ("Angers", "49000", 3), ("Le Mans", "72000", 3), ("Tours", "37000", 3),
    ("Orléans", "45000", 3), ("Caen", "14000", 3), ("Rouen", "76000", 3),
    ("Le Havre", "76600", 3), ("Lille", "59000", 5), ("Roubaix", "59100", 2),
    ("Tourcoing", "59200", 2), ("Amiens", "80000", 2), ("Reims", "51100", 3),
    ("Metz", "57000", 3), ("Nancy", "54000", 3), ("Strasbourg", "67000", 4),
    ("Mulhouse", "68100", 2), ("Dijon", "21000", 3), ("Besançon", "25000", 2),
    ("Grenoble", "38000", 4), ("Saint-Étienne", "42000", 3), ("Clermont-Ferrand", "63000", 3),
    ("Limoges", "87000", 2), ("Poitiers", "86000", 2), ("La Rochelle", "17000", 2),
    ("Perpignan", "66000", 2), ("Annecy", "74000", 2), ("Chambéry", "73000", 2),
    ("Ajaccio", "20000", 1), ("Bastia", "20200", 1), ("Saint-Malo", "35400", 2),
]  # fmt: skip

STREET_KINDS = ["rue", "rue", "rue", "rue", "avenue", "avenue", "boulevard", "allée",
                "impasse", "chemin", "place", "quai", "route", "cours"]  # fmt: skip
STREET_NAMES = [
    "de la République",
    "Victor Hugo",
    "Jean Jaurès",
    "Gambetta",
    "Pasteur",
    "du Général de Gaulle",
    "de la Gare",
    "de l'Église",
    "des Lilas",
    "des Tilleuls",
    "du Moulin",
    "Jules Ferry",
    "Voltaire",
    "de la Paix",
    "Émile Zola",
    "Carnot",
    "de la Liberté",
    "du Stade",
    "des Écoles",
    "du Château",
    "des Acacias",
    "de Verdun",
    "Foch",
    "Anatole France",
    "Saint-Martin",
    "Pierre et Marie Curie",
    "de la Mairie",
    "du Commerce",
    "des Roses",
    "du Maréchal Leclerc",
    "de Paris",
    "Georges Clemenceau",
    "Lamartine",
    "Molière",
    "du Port",
    "de Bretagne",
    "des Peupliers",
    "des Vignes",
    "Henri Barbusse",
    "Jean Moulin",
    "de la Fontaine",
    "des Prés",
    "du Marché",
    "Louis Pasteur",
    "de Strasbourg",
    "de la Poste",
    "des Jardins",
    "du Parc",
    "Alsace-Lorraine",
    "de Bellevue",
    "des Cerisiers",
    "Nationale",
    "de la Croix",
    "Sainte-Anne",
    "Condorcet",
    "Marcel Pagnol",
    "Albert Camus",
    "du Vieux Pont",
    "des Marronniers",
    "Aristide Briand",
    "Paul Bert",
    "Danton",
    "de Normandie",
]
RESIDENCES = [
    "Les Tilleuls",
    "Le Clos des Vignes",
    "Les Jardins de la Fontaine",
    "Le Parc",
    "Les Terrasses",
    "Le Belvédère",
    "Les Hauts de Seine",
    "Le Square Voltaire",
    "Les Magnolias",
    "Le Domaine des Chênes",
    "Les Rives du Port",
    "L'Orangerie",
    "Les Cèdres",
    "Le Carré Saint-Martin",
    "Les Balcons du Lac",
    "Le Hameau",
]

# Real French bank codes (code banque of the RIB), so that an IBAN derives its BIC.
BANK_CODES = ["30004", "30003", "30002", "10107", "20041", "30066", "10278", "11315",
              "13807", "16006", "17515", "18206", "42559"]  # fmt: skip

# ARCEP sets these blocks aside for fiction (films, books): no real line answers them.
FICTION_LANDLINE_BLOCKS = {"1": "199 00", "2": "261 91", "3": "353 01", "4": "465 71",
                           "5": "536 49"}  # fmt: skip


# The first digit of French landlines (after the 0) by department: 01 is Île-de-France,
# 02 the north-west, 03 the north-east, 04 the south-east, 05 the south-west.
_LANDLINE_ZONES = {
    department: zone
    for zone, departments in {
        "1": "75 77 78 91 92 93 94 95",
        "2": "14 17 18 22 27 28 29 35 36 37 41 44 45 49 50 53 56 61 72 76 79 85 86",
        "3": "02 08 10 21 25 39 51 52 54 55 57 58 59 60 62 67 68 70 71 80 88 89 90",
        "4": "01 03 04 05 06 07 13 15 20 26 30 34 38 42 43 48 63 66 69 73 74 83 84",
    }.items()
    for department in departments.split()
}


def landline_zone(postcode: str) -> str:
    """The first digit of a landline (after the 0) for a French postcode's region."""
    return _LANDLINE_ZONES.get(postcode[:2], "5")


def surname(rng: random.Random) -> str:
    """A common French surname, the most frequent ones (Martin, Bernard...) more often."""
    return rng.choices(SURNAMES, weights=_SURNAME_WEIGHTS)[0]


def rare_surname(rng: random.Random) -> str:
    """A plausible, rarer surname: one of about 5,000 built from syllables."""
    return rng.choice(_RARE_STARTS) + rng.choice(_RARE_MIDDLES) + rng.choice(_RARE_ENDS)


def first_name(rng: random.Random) -> str:
    return rng.choice(FIRST_NAMES)


_CITY_WEIGHTS = [weight for _city, _postcode, weight in CITIES]


def city(rng: random.Random) -> tuple[str, str]:
    """A (city, postcode) pair, big cities more often."""
    name, postcode, _weight = rng.choices(CITIES, weights=_CITY_WEIGHTS)[0]
    return name, postcode


def street(rng: random.Random) -> str:
    number = rng.randint(1, 180)
    suffix = rng.choice(["", "", "", "", "", "", " bis", " ter"])
    return f"{number}{suffix} {rng.choice(STREET_KINDS)} {rng.choice(STREET_NAMES)}"


def slug(text: str) -> str:
    """ascii, lower case, words joined by dots: for e-mail addresses."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(char for char in text if not unicodedata.combining(char)).lower()
    return re.sub(r"[^a-z0-9]+", ".", text).strip(".")


# Reserved for documentation (RFC 2606): mail to them reaches nobody.
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]


def email(local: str, domain: str) -> str:
    return f"{slug(local)}@{domain}"


def business_domain(name: str) -> str:
    """A web domain for a business, under the reserved example.com."""
    return slug(name).replace(".", "-") + ".example.com"


def phone_landline(rng: random.Random, postcode: str, *, fiction: bool = False) -> str:
    """A French landline in E.164 for the region of a postcode."""
    zone = landline_zone(postcode)
    if fiction:
        block = FICTION_LANDLINE_BLOCKS[zone].replace(" ", "")
        return f"+33{block}{rng.randint(0, 9999):04d}"
    return f"+33{zone}{rng.randint(10, 99)}{rng.randint(0, 999999):06d}"


# Metropolitan mobile blocks (06 39 and 06 9x belong to overseas departments).
_MOBILE_BLOCKS = [f"6{block}" for block in range(10, 90) if block != 39] + [
    f"7{block}" for block in range(50, 90)
]


def phone_mobile(rng: random.Random) -> str:
    return f"+33{rng.choice(_MOBILE_BLOCKS)}{rng.randint(0, 999_999):06d}"


def phone_valid(number: str) -> bool:
    return phonenumbers.is_valid_number(phonenumbers.parse(number, "FR"))


def siren(rng: random.Random) -> str:
    body = f"{rng.randint(30_000_000, 99_999_999):08d}"
    return body + luhn.calc_check_digit(body)


def siret(rng: random.Random, siren_number: str | None = None) -> str:
    """A SIRET (SIREN + establishment number), valid for the Luhn key."""
    body = (siren_number or siren(rng)) + f"{rng.randint(1, 99):04d}"
    return body + luhn.calc_check_digit(body)


def vat_number(siren_number: str) -> str:
    """The French intra-community VAT number of a SIREN: FR + key + SIREN."""
    return f"FR{int(siren_number + '12') % 97:02d}{siren_number}"


def iban(rng: random.Random) -> str:
    """A French IBAN at a real bank code (so that the BIC can be derived from it)."""
    return IBAN.generate(
        "FR",
        bank_code=rng.choice(BANK_CODES),
        branch_code=f"{rng.randint(0, 99999):05d}",
        account_code=f"{rng.randint(0, 10**11 - 1):011d}",
    ).compact


def sepa_creditor_id(rng: random.Random) -> str:
    """A French SEPA creditor identifier (ICS): FR, two check digits, ZZZ, six characters."""
    national = f"{rng.randint(100000, 999999)}"
    return f"FR{at_02.calc_check_digits(f'FR00ZZZ{national}')}ZZZ{national}"


@dataclass(frozen=True)
class Person:
    first_name: str
    last_name: str

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def person(rng: random.Random) -> Person:
    return Person(first_name(rng), surname(rng))


def access_notes(rng: random.Random, name: str) -> str:
    """What an employee needs at the door: digicode, interphone, keys, floor."""
    code = f"{rng.randint(1000, 9999)}{rng.choice(['', 'A', 'B', 'C', 'X'])}"
    parts = [
        rng.choice([f"Digicode {code}", f"Code portail {code}", f"Digicode {code} puis badge"]),
        rng.choice(
            [
                f"interphone « {name} »",
                "sonner à l'interphone du gardien",
                "interphone en panne : appeler en arrivant",
                f"interphone n° {rng.randint(1, 60)}",
            ]
        ),
        rng.choice(
            [
                f"{rng.randint(1, 7)}e étage {rng.choice(['gauche', 'droite', 'face'])}",
                "rez-de-chaussée, porte du fond",
                "clés dans la boîte à clés (code 1 9 8 4)",
                "clés chez le gardien, loge au fond de la cour",
                "chien dans le jardin, prévenir avant d'entrer",
                "accès livraison par la rue arrière",
            ]
        ),
    ]
    return " ; ".join(parts) + "."
