"""国内法が適用されるサーバ環境: with DATA_RESIDENCY=JP the portal refuses to start when a place it
sends personal data to — the SMTP server, the materials' object storage — is not on the
allow-list (RESIDENCY_ALLOWED_HOSTS: host names, or suffixes starting with a dot such as
".lg.jp"). S3 without an endpoint of its own is AWS: only the Tokyo and Osaka regions."""

from __future__ import annotations

from urllib.parse import urlsplit

JAPANESE_AWS_REGIONS = frozenset({"ap-northeast-1", "ap-northeast-3"})


def _allowed(host: str, allowed: list[str]) -> bool:
    host = host.lower().rstrip(".")
    return any(
        host == entry.lower() or (entry.startswith(".") and host.endswith(entry.lower()))
        for entry in allowed
    )


def residency_violations(
    *, email_host: str | None, s3: dict | None, allowed: list[str]
) -> list[str]:
    """What would send data outside the allow-list, in words naming the variable to change."""
    problems = []
    if email_host and not _allowed(email_host, allowed):
        problems.append(f"EMAIL_HOST {email_host} is not in RESIDENCY_ALLOWED_HOSTS")
    if s3 is not None:
        endpoint = s3.get("endpoint_url")
        if endpoint:
            host = urlsplit(endpoint).hostname or endpoint
            if not _allowed(host, allowed):
                problems.append(
                    f"MATERIALS_S3_ENDPOINT_URL {host} is not in RESIDENCY_ALLOWED_HOSTS"
                )
        elif s3.get("region_name") not in JAPANESE_AWS_REGIONS:
            problems.append(
                f"MATERIALS_S3_REGION {s3.get('region_name')!r} is not a region in Japan "
                f"({', '.join(sorted(JAPANESE_AWS_REGIONS))})"
            )
    return problems
