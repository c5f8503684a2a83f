from django.urls import reverse


def test_front_page_explains_the_process(client, db):
    response = client.get(reverse("front"))
    assert response.status_code == 200
    assert response["Content-Language"] == "fi"
