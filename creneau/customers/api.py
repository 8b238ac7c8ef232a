"""API routes of the customer record: customers, sites, contacts, families."""

from ninja import Router

router = Router(tags=["customers"])
