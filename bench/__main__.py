"""`make bench`: generate the large database once, then time the customer search.

.venv/bin/python -m bench [--requests 200] [--only téléphone] [--paths sélecteur,page,frappe,api]
.venv/bin/python -m bench --explain "martin" [--as rep]
"""

from __future__ import annotations

import argparse
import sys

from bench.database import configure_environment, database_create_if_missing


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="requêtes par cas")
    parser.add_argument("--customers", type=int, default=None)
    parser.add_argument("--sites", type=int, default=None)
    parser.add_argument("--regenerate", action="store_true", help="régénérer les données")
    parser.add_argument("--only", default="", help="seulement les cas dont le nom contient…")
    parser.add_argument("--paths", default="sélecteur,page,frappe,api")
    parser.add_argument("--users", default="direction,commercial")
    parser.add_argument("--explain", metavar="QUERY", help="EXPLAIN ANALYZE d'une recherche")
    parser.add_argument("--as", dest="as_user", default="direction", choices=["direction", "rep"])
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    url = configure_environment()
    created = database_create_if_missing(url)

    import django

    django.setup()
    from django.core.management import call_command

    from bench import generate, report, run

    print(f"Base : {url}{' (créée)' if created else ''}")
    call_command("migrate", verbosity=0, interactive=False)
    customers = args.customers or generate.CUSTOMERS
    sites = args.sites or round(customers * generate.SITES / generate.CUSTOMERS)
    if args.regenerate or not generate.data_ready(customers, sites):
        print(f"Génération de {customers} clients et {sites} sites…")
        generate.generate(customers=customers, sites=sites, log=print)
    else:
        print(f"Données présentes : {customers} clients, {sites} sites.")
    if args.explain is not None:
        run.explain(args.explain, as_rep=args.as_user == "rep")
        return 0
    print(f"Machine : {report.machine()}")
    results, notes = run.run_all(
        requests=args.requests,
        only=args.only,
        paths=args.paths.split(","),
        users=args.users.split(","),
    )
    report.print_table(results, notes)
    paths = report.save(results, notes, customers=customers, sites=sites)
    print("Résultats : " + ", ".join(str(path) for path in paths))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
