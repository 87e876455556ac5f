"""A minimal platform used to test the generic webhook intake (signature -> row -> 200)."""

from connector.platforms.base import PlatformSpec

SPEC = PlatformSpec(
    id="signedhooks",
    label="Signed hooks (test platform)",
    role="store",
    client="connector.platforms.base:BaseClient",
    connect_kind="keys",
    webhooks="tests.support.signedhooks.webhooks",
)
