"""A mail to a signer who is not a user, in words an administrator can change."""

from host import MailTemplate, Manifest, hookimpl, send_mail_template

manifest = Manifest(name="quicksign", title="Quick Sign", summary="Asks outside people to sign.")


@hookimpl
def mail_templates():
    return [
        MailTemplate(
            id="quicksign.request",
            name="Signature request",
            description="Sent to each signer of a document",
            subject="{{ sender }} asks you to sign {{ document }}",
            body=(
                "Hello {{ signer }},\n\n"
                "{{ sender }} asks you to sign {{ document }}:\n{{ link }}\n\n"
                "The link works for 14 days."
            ),
            placeholders={
                "signer": "Jan Peeters",
                "sender": "Marie Dubois",
                "document": "Quote 2026-042",
                "link": "https://example.com/quicksign/s/abc",
            },
        )
    ]


def request_signature(email, signer, sender, document, link):
    values = {"signer": signer, "sender": sender, "document": document, "link": link}
    return send_mail_template("quicksign.request", to=email, values=values)
