"""Error pages in Japanese, with the site's header, what happened in plain words and a way back;
the 500 page needs neither the database nor a request context."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.views.defaults import server_error

pytestmark = pytest.mark.django_db


def test_not_found_is_a_japanese_page_with_the_header(client, trainee):
    for logged_in in (False, True):
        if logged_in:
            client.force_login(trainee)
        response = client.get("/no-such-page/")
        page = response.content.decode()
        assert response.status_code == 404
        assert "ページが見つかりません" in page and "研修管理システム" in page
        assert "ホームに戻る" in page


def test_forbidden_says_the_page_is_for_another_role(client, trainee):
    client.force_login(trainee)
    response = client.get("/hr/")
    assert response.status_code == 403
    assert "別の役割" in response.content.decode()


def test_the_500_page_needs_no_database(django_assert_num_queries):
    request = RequestFactory().get("/")
    with django_assert_num_queries(0):
        response = server_error(request)
    page = response.content.decode()
    assert response.status_code == 500
    assert "エラーが発生しました" in page and "Something went wrong" in page
