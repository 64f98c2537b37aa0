import pytest

from domain.uris import has_credentials, without_credentials


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("rtsp://op:s3cret@cam:554/live", "rtsp://cam:554/live"),
        ("http://op@cam/video: refused", "http://cam/video: refused"),
        ("udp://127.0.0.1:5000", "udp://127.0.0.1:5000"),
        ("/data/flight.ts", "/data/flight.ts"),
    ],
)
def test_uris_lose_their_credentials_before_others_see_them(text: str, shown: str) -> None:
    assert without_credentials(text) == shown


def test_credentials_are_found_only_inside_a_uri() -> None:
    assert has_credentials("rtsp://op:pw@cam/live")
    assert not has_credentials("contact ops@example.org, rtsp://cam/live")
