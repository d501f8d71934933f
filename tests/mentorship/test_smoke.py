from django.urls import reverse


def test_home_renders_for_member(client, mentorship, mentee):
    client.force_login(mentee)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert b"Maya Mentor" in response.content
