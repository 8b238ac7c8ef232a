# "Sent" used to mean numbered: a quote is now "sent" once the mail server accepted one of
# its e-mails. Numbered quotes none of whose e-mails has left become "finalised"; the
# others keep "sent", dated by their first e-mail that left.

from django.db import migrations
from django.db.models import Min


def unsent_become_finalised(apps, schema_editor):
    Quote = apps.get_model("quotes", "Quote")
    OutboxEmail = apps.get_model("core", "OutboxEmail")
    first_sent = dict(
        OutboxEmail.objects.filter(related_type="quote", status="sent")
        .values("related_id")
        .annotate(first=Min("sent_at"))
        .values_list("related_id", "first")
    )
    for quote in Quote.objects.filter(status="sent").only("id", "sent_at"):
        sent_at = first_sent.get(str(quote.pk))
        if sent_at is None:
            Quote.objects.filter(pk=quote.pk).update(status="finalised", sent_at=None)
        elif quote.sent_at != sent_at:
            Quote.objects.filter(pk=quote.pk).update(sent_at=sent_at)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_outbox"),
        ("quotes", "0005_quote_finalised_status"),
    ]

    operations = [
        migrations.RunPython(unsent_become_finalised, migrations.RunPython.noop),
    ]
