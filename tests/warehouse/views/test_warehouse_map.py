"""The warehouse map: every location drawn from its x/y, coloured by occupancy or by picks,
a bin's contents on hover, tap or focus, and a find-a-bin form; in a fixed number of queries."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories.inventory import WarehouseFactory
from tests.factories.warehouse import LocationFactory
from tests.warehouse.views.outbound_scenario import outbound_site, picked_order
from tests.warehouse.views.scenario import page_text
from warehouse.models import Location
from warehouse.selectors.warehouse_map import MapLocation
from warehouse.services.intake import stock_receive
from warehouse.services.layout import location_set_blocked
from warehouse.views.warehouse_map import SCALE, layout_build

HTMX = {"HX-Request": "true"}

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db):
    """outbound_site's two aisles, plus bins with a capacity: 60 of 100, empty, overfilled."""
    site = outbound_site()
    wh = site.warehouse
    for code, capacity, units, y in (("C-01-01", 100, 60, 2.0), ("C-01-02", 100, 0, 4.0)):
        bin_ = LocationFactory(
            warehouse=wh, code=code, aisle="C", x=10.0, y=y, capacity_units=capacity
        )
        if units:
            stock_receive(location=bin_, product_id=site.glove.pk, quantity=units)
    over = LocationFactory(
        warehouse=wh, code="C-01-03", aisle="C", x=10.0, y=6.0, capacity_units=10
    )
    stock_receive(location=over, product_id=site.bolt.pk, quantity=12)
    return site


SHAPE = re.compile(r'<g class="([^"]+)" tabindex="0" role="button"[^>]*?data-bin="(\d+)"')


def _shapes(body: str) -> dict[int, str]:
    """bin id -> its class attribute, from the map's SVG."""
    return {int(bin_id): css for css, bin_id in SHAPE.findall(body)}


def _code(site, code: str) -> int:
    return Location.objects.get(warehouse=site.warehouse, code=code).pk


def test_every_location_is_drawn_and_coloured_by_occupancy(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-map"))

    assert response.status_code == 200
    shapes = _shapes(response.content.decode())
    physical = Location.objects.filter(warehouse=site.warehouse).exclude(
        kind__in=Location.VIRTUAL_KINDS
    )
    assert set(shapes) == set(physical.values_list("pk", flat=True))
    assert "map-o3" in shapes[_code(site, "C-01-01")]  # 60 %
    assert "map-o0" in shapes[_code(site, "C-01-02")]  # empty
    assert "map-o5" in shapes[_code(site, "C-01-03")]  # 12 of 10
    assert "map-nocap" in shapes[_code(site, "A-01-01")]  # stock, no capacity set
    assert "map-o0" in shapes[_code(site, "A-01-04")]  # nothing, no capacity
    body = response.content.decode()
    assert 'aria-label="C-01-01: 60 of 100 units (60 %)"' in body
    assert ">A</text>" in body
    assert ">C</text>" in body
    text = page_text(response)
    assert "Occupancy" in text
    assert "Picks, last 30 days" in text


def test_blocked_bins_and_pick_faces_are_marked(client, supervisor, site):
    location_set_blocked(location_id=_code(site, "B-01-04"), blocked=True, reason="damaged")
    face = LocationFactory(warehouse=site.warehouse, code="P-01-01", kind="pick", x=14, y=2)
    client.force_login(supervisor)

    shapes = _shapes(client.get(reverse("supervisor-map")).content.decode())

    assert "map-loc--blocked" in shapes[_code(site, "B-01-04")]
    assert "map-loc--face" in shapes[face.pk]
    assert "map-loc--blocked" not in shapes[_code(site, "B-01-03")]


def test_colouring_by_picks(client, supervisor, floor_user, site):
    picked_order(site, floor_user, (site.glove, 5), reference="SO-1")  # from A-01-02
    picked_order(site, floor_user, (site.bolt, 3), reference="SO-2")  # from A-01-01
    picked_order(site, floor_user, (site.glove, 2), reference="SO-3")  # A-01-02 again
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-map"), {"colour": "picks"})

    shapes = _shapes(response.content.decode())
    assert "map-f5" in shapes[_code(site, "A-01-02")]  # the busiest: 2 picks
    assert "map-f3" in shapes[_code(site, "A-01-01")]  # 1 of 2: ceil(2.5)
    assert "map-f0" in shapes[_code(site, "C-01-01")]
    assert 'aria-label="A-01-02: 2 picks in 30 days"' in response.content.decode()


def test_the_toggle_swaps_the_map_only(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-map"), {"colour": "picks"}, headers=HTMX)

    body = response.content.decode()
    assert body.lstrip().startswith('<div id="map"')
    assert "<html" not in body
    assert 'aria-current="true">Picks, last 30 days</a>' in body


def test_an_unknown_colouring_says_so_and_shows_occupancy(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-map"), {"colour": "<b>heat</b>"})

    assert response.status_code == 422
    assert "There is no colouring “<b>heat</b>”; showing occupancy." in page_text(response)
    assert "<b>heat</b>" not in response.content.decode()  # escaped
    assert "map-o3" in _shapes(response.content.decode())[_code(site, "C-01-01")]


def test_a_bins_contents(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(
        reverse("supervisor-map-bin", args=[_code(site, "A-01-03")]), headers=HTMX
    )

    assert response.status_code == 200
    text = page_text(response)
    assert "A-01-03" in text
    assert "MAIN-MILK" in text
    assert "Whole milk 1 l" in text
    assert "LA" in text
    assert "exp. 2031-03-31" in text
    assert "6 units · no capacity set" in text
    assert "0 picks in the last 30 days" in text
    assert "<html" not in response.content.decode()


def test_a_bin_page_without_htmx_and_unknown_bins(client, supervisor, site):
    other = LocationFactory(warehouse=WarehouseFactory(code="WEST"), code="W-1")
    virtual = Location.objects.get(warehouse=site.warehouse, kind=Location.Kind.CUSTOMER)
    client.force_login(supervisor)

    page = client.get(reverse("supervisor-map-bin", args=[_code(site, "C-01-01")]))
    elsewhere = client.get(reverse("supervisor-map-bin", args=[other.pk]), headers=HTMX)
    edge = client.get(reverse("supervisor-map-bin", args=[virtual.pk]), headers=HTMX)

    assert page.status_code == 200
    assert "60 of 100 units · 60 % full" in page_text(page)
    assert "← Warehouse map" in page_text(page)
    assert (elsewhere.status_code, edge.status_code) == (404, 404)


def test_finding_a_bin_by_code(client, supervisor, site):
    client.force_login(supervisor)
    find = reverse("supervisor-map-find")

    found = client.get(find, {"code": " a-01-03 "}, headers=HTMX)
    unknown = client.get(find, {"code": "ZZ-99"}, headers=HTMX)
    empty = client.get(find, {"code": ""}, headers=HTMX)

    assert found.status_code == 200
    assert "MAIN-MILK" in page_text(found)
    assert unknown.status_code == 422
    assert "No bin “ZZ-99” in MAIN." in page_text(unknown)
    assert empty.status_code == 422
    assert "Type a bin code first." in page_text(empty)


@pytest.mark.parametrize("user_fixture", ["floor_user", "purchaser"])
def test_floor_and_purchasers_may_not_open_the_map(client, request, user_fixture, site):
    client.force_login(request.getfixturevalue(user_fixture))

    assert client.get(reverse("supervisor-map")).status_code == 403
    bin_url = reverse("supervisor-map-bin", args=[_code(site, "A-01-01")])
    assert client.get(bin_url, headers=HTMX).status_code == 403


def _map_queries(client, **params) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("supervisor-map"), params, headers=HTMX)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_map_costs_the_same_queries_for_any_number_of_bins(client, supervisor, site):
    client.force_login(supervisor)
    client.get(reverse("supervisor-map"))  # the session learns the warehouse
    few = _map_queries(client)
    few_picks = _map_queries(client, colour="picks")
    for n in range(60):
        bin_ = LocationFactory(
            warehouse=site.warehouse, code=f"D-{n:02d}", aisle="D", x=20.0, y=float(n)
        )
        stock_receive(location=bin_, product_id=site.bolt.pk, quantity=1)

    many = _map_queries(client)
    many_picks = _map_queries(client, colour="picks")

    assert few == many
    assert few_picks == many_picks == many + 1
    assert many <= 7 + 1  # the shell's, and one for the whole layout


def _loc(n: int, **fields) -> MapLocation:
    values = {
        "id": n,
        "code": f"L-{n}",
        "kind": "storage",
        "zone_code": "RES",
        "zone_name": "Reserve",
        "aisle": "A01",
        "shelf": "",
        "x": 3.0,
        "y": 4.5,
        "capacity": 100,
        "units": 0,
        "is_blocked": False,
        **fields,
    }
    return MapLocation(**values)


def test_the_shelves_of_one_spot_stand_side_by_side_inside_their_zone():
    locations = [
        _loc(1, shelf="S1"),
        _loc(2, shelf="S2"),
        _loc(3, y=5.5, shelf="S1"),
        _loc(4, x=6.0, aisle="A02"),
        _loc(5, kind="receiving", code="RECV-01", zone_code="DOCK", x=0, y=0, capacity=None),
    ]

    layout = layout_build(locations, colour="occupancy")

    shapes = {shape.id: shape for shape in layout.shapes}
    one, two, above = shapes[1], shapes[2], shapes[3]
    assert one.y == two.y
    assert two.x > one.x
    assert one.width == two.width
    assert above.y - one.y == pytest.approx(SCALE * 1.0)  # 1 m further along the aisle
    assert shapes[5].text == "RECV-01"
    assert shapes[1].text == ""
    assert [caption.text for caption in layout.aisles] == ["A01", "A02"]
    reserve = next(zone for zone in layout.zones if zone.code == "RES")
    for shape in (one, two, above, shapes[4]):
        assert reserve.x <= shape.x
        assert shape.x + shape.width <= reserve.x + reserve.width
        assert reserve.y <= shape.y
        assert shape.y + shape.height <= reserve.y + reserve.height
    assert layout.bins == 4


# --- a big site, a section at a time (issue 7: 20,000 bins were 4 MB and a second a map) ---------


def test_sections_are_cut_along_x_never_splitting_an_aisle():
    from warehouse.selectors.warehouse_map import sections_cut

    columns = [(0.0, 3, None, None), (3.0, 4, "A01", "A01"), (6.0, 4, "A02", "A02")]
    columns += [(9.0, 9, "A03", "A03"), (12.0, 1, "A04", "A04")]

    sections = sections_cut(columns, size=8)

    assert [(s.x_from, s.x_to, s.locations) for s in sections] == [
        (0.0, 3.0, 7),
        (6.0, 6.0, 4),
        (9.0, 9.0, 9),  # one aisle larger than a section stands alone, whole
        (12.0, 12.0, 1),
    ]
    assert [s.label for s in sections] == ["Aisle A01", "Aisle A02", "Aisle A03", "Aisle A04"]
    assert sections_cut(columns, size=100)[0].label == "Aisles A01–A04"
    assert sections_cut([(0.0, 2, None, None)], size=5)[0].label == "Section 1"
    assert sections_cut([], size=5) == []
    with pytest.raises(ValueError, match="at least one location, not 0"):
        sections_cut(columns, size=0)


def test_a_big_site_is_drawn_a_section_at_a_time(client, supervisor, site, monkeypatch):
    from warehouse.selectors import warehouse_map

    monkeypatch.setattr(warehouse_map, "SECTION_LOCATIONS", 4)
    sections = warehouse_map.map_sections(warehouse_id=site.warehouse.pk)
    aisle_c = next(s for s in sections if s.first_aisle == "C")
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-map"), {"section": aisle_c.number})

    assert response.status_code == 200
    physical = Location.objects.filter(warehouse=site.warehouse).exclude(
        kind__in=Location.VIRTUAL_KINDS
    )
    in_c = physical.filter(x__gte=aisle_c.x_from, x__lte=aisle_c.x_to)
    assert set(_shapes(response.content.decode())) == set(in_c.values_list("pk", flat=True))
    assert len(sections) > 1
    assert sum(s.locations for s in sections) == physical.count()
    body = response.content.decode()
    assert f'aria-current="true">{aisle_c.label}</a>' in body
    assert f"?colour=picks&amp;section={aisle_c.number}" in body  # the toggle keeps the section
    assert "bins in this section" in page_text(response)


def test_a_small_site_has_one_section_and_no_section_buttons(client, supervisor, site):
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-map"))

    assert "map-sections" not in response.content.decode()
    assert "section=" not in response.content.decode()


@pytest.mark.parametrize(
    ("asked", "problem"),
    [
        ("<b>2</b>", "There is no section “<b>2</b>”; showing the first."),
        ("99", "There is no section 99 (1 to "),
        ("0", "There is no section 0 (1 to "),
    ],
)
def test_an_unknown_section_says_so_and_shows_the_first(
    client, supervisor, site, monkeypatch, asked, problem
):
    from warehouse.selectors import warehouse_map

    monkeypatch.setattr(warehouse_map, "SECTION_LOCATIONS", 4)
    first = warehouse_map.map_sections(warehouse_id=site.warehouse.pk)[0]
    client.force_login(supervisor)

    response = client.get(reverse("supervisor-map"), {"section": asked})

    assert response.status_code == 422
    assert problem in page_text(response)
    assert "<b>2</b>" not in response.content.decode()  # escaped
    assert f'aria-current="true">{first.label}</a>' in response.content.decode()
