"""precheck, issue 16: opt-in links that are the terms or privacy page, and
business websites behind a login, as the toll-free articles list them.

Sources: Twilio, "Toll-Free verification rejections and resubmission",
30476 "Opt-in - No opt-in provided" ("'Opt in' is part of Terms of Service
or Privacy Policy" -> "Provide updated opt in that is outside of terms or
service or privacy policy"; "Opt in links provided are behind login/password
secure links") and 30473 ("Corporate URL/Website provided did not resolve,
is not yet live, says 'Coming Soon', password protected, etc"); the
Messaging Compliance API article, Business Website ("Rejected Example: ...
The URL is behind a login/password").
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from a2p_policy._findings import Finding, Severity
from a2p_policy._tollfree.models import TollFreeVerificationRequest
from a2p_policy._tollfree.precheck import precheck


def check(tfx: SimpleNamespace, **overrides: Any) -> list[Finding]:
    return precheck(TollFreeVerificationRequest.model_validate(tfx.base_request(**overrides)))


def on_field(findings: list[Finding], field: str) -> list[Finding]:
    return [f for f in findings if f.field == field]


# ------------------------------------------------- opt-in inside the terms
@pytest.mark.parametrize(
    "url",
    [
        "https://www.company.com/terms-of-service",
        "https://www.company.com/privacy-policy",
        "https://www.company.com/privacy-policy/",
        "https://company.com/privacy",
        "https://company.com/legal/terms",
        "https://company.com/terms-and-conditions.html",
        "https://company.com/Privacy_Policy.aspx",
        "https://company.com/pages/terms-of-use",
        "https://company.com/tos",
        "https://company.com/privacypolicy",
        "https://company.com/sms-terms",
        "https://company.com/mobile-terms?lang=en",
    ],
)
def test_opt_in_link_to_terms_or_privacy_page(tfx: SimpleNamespace, url: str) -> None:
    found = on_field(check(tfx, opt_in_image_urls=[url]), "opt_in_image_urls[0]")
    assert [(f.rule, f.tfv_code, f.severity) for f in found] == [
        ("tfv.optin.terms_page", 30476, Severity.BLOCK)
    ]
    assert found[0].fix
    assert "outside" in found[0].fix


def test_opt_in_link_equal_to_the_declared_privacy_or_terms_url(tfx: SimpleNamespace) -> None:
    for field in ("privacy_policy_url", "terms_and_conditions_url"):
        findings = check(
            tfx,
            opt_in_image_urls=["https://www.company.com/p/4711"],
            **{field: "https://company.com/p/4711/"},
        )
        assert [f.rule for f in on_field(findings, "opt_in_image_urls[0]")] == [
            "tfv.optin.terms_page"
        ]


def test_home_page_stays_a_home_page_when_the_policy_is_there(tfx: SimpleNamespace) -> None:
    findings = check(
        tfx,
        opt_in_image_urls=["https://www.company.com/"],
        privacy_policy_url="https://company.com",
    )
    assert [f.rule for f in on_field(findings, "opt_in_image_urls[0]")] == ["tfv.optin.home_page"]


@pytest.mark.parametrize(
    "url",
    [
        "https://company.com/sms-signup",
        "https://company.com/images/optin-form.png",
        "https://company.com/privacy-first-text-signup",
        "https://company.com/legal/sms-optin-screenshot.png",
        "https://company.com/author/privacy-team/optin.png",
        "https://company.com/blog/login-tips-for-our-app",
        "https://termsfeed-example.com/owl/sms-opt-in",
        "https://zipwhiptestbusiness.com/images/image1.jpg",
    ],
)
def test_opt_in_pages_that_show_the_opt_in_pass(tfx: SimpleNamespace, url: str) -> None:
    assert on_field(check(tfx, opt_in_image_urls=[url]), "opt_in_image_urls[0]") == []


_SEGMENT = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-", min_size=1, max_size=12)
_TERMS = st.sampled_from(
    ["terms", "privacy", "privacy-policy", "terms-of-service", "terms_of_use", "TOS", "sms-terms"]
)


@given(prefix=st.lists(_SEGMENT, max_size=3), page=_TERMS, slash=st.booleans(), upper=st.booleans())
def test_terms_page_found_under_any_folder_in_any_case(
    prefix: list[str], page: str, slash: bool, upper: bool
) -> None:
    from urllib.parse import urlsplit

    from a2p_policy._tollfree.precheck import _is_terms_page

    path = "/".join(["", *prefix, page]) + ("/" if slash else "")
    url = "https://company.com" + (path.upper() if upper else path)
    assert _is_terms_page(urlsplit(url))
    # ... and a page beneath it (a screenshot stored in /privacy/) is not the page itself
    assert not _is_terms_page(urlsplit(f"https://company.com{path.rstrip('/')}/optin-screen.png"))


# ------------------------------------------------ business website login
@pytest.mark.parametrize(
    "url",
    [
        "https://portal.example.com/login",
        "https://example.com/wp-admin",
        "https://example.com/account/login",
        "https://login.example.com",
        "https://example.com/sign-in?redirect=/",
        "https://example.com/auth/",
        "https://example.com/signin.php",
        "https://example.com/wp-login.php",
        "https://example.com/client-login",
    ],
)
def test_business_website_behind_a_login(tfx: SimpleNamespace, url: str) -> None:
    found = on_field(check(tfx, business_website=url), "business_website")
    assert [(f.rule, f.tfv_code, f.severity) for f in found] == [
        ("tfv.website.login", 30473, Severity.BLOCK)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "https://www.company.com",
        "https://example.com/blog/login-tips",
        "https://loginandlearn.com",
        "https://authentic-tacos.com/author/jane",
        "https://example.com/locations/portland",
        "https://www.facebook.com/example",
    ],
)
def test_public_business_websites_pass(tfx: SimpleNamespace, url: str) -> None:
    assert on_field(check(tfx, business_website=url), "business_website") == []


def test_private_drive_website_keeps_its_own_rule(tfx: SimpleNamespace) -> None:
    found = on_field(
        check(tfx, business_website="https://drive.google.com/drive/x"), "business_website"
    )
    assert [f.rule for f in found] == ["tfv.website.private"]


@given(word=_SEGMENT, tail=st.lists(_SEGMENT, max_size=2))
def test_login_is_a_whole_path_segment(word: str, tail: list[str]) -> None:
    from urllib.parse import urlsplit

    from a2p_policy._tollfree.precheck import PRIVATE_LINK_PATH_WORDS, _behind_login

    path = "/".join(["", word, *tail])
    segments = path.strip("/").split("/")
    expected = any(w in segments for w in PRIVATE_LINK_PATH_WORDS) or "account/login" in path
    assert _behind_login(urlsplit("https://company.com" + path)) is expected
    assert _behind_login(urlsplit("https://company.com" + path + "/login"))
