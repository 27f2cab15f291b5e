"""The places of the example depot's city, Mianyang prefecture in Sichuan (绵阳市), and road
distances from the depots to some of them: what the coverage view (server.domain.coverage)
and a dispatch to a known place work from. Coordinates are the district and county seats'
and towns' (approximate, to about a kilometre); road distances are the usual driving
distances, rounded. The far mountain places (Pingwu, Qingpian) lie beyond the 2 hours;
Nanba is within them from the city depot, for the goods it holds."""

from dataclasses import dataclass

from server.domain.coverage import Place as Place


@dataclass(frozen=True, slots=True)
class Road:
    warehouse: str
    place: str
    km: float


PLACES: tuple[Place, ...] = (
    Place("MY-FUCHENG", "涪城区", 31.4555, 104.7570),
    Place("MY-YOUXIAN", "游仙区", 31.4740, 104.7660),
    Place("MY-ANZHOU", "安州区花荄镇", 31.5340, 104.5670),
    Place("MY-JIANGYOU", "江油市", 31.7780, 104.7450),
    Place("MY-SANTAI", "三台县", 31.0950, 105.0940),
    Place("MY-YANTING", "盐亭县", 31.2080, 105.3890),
    Place("MY-ZITONG", "梓潼县", 31.6350, 105.1700),
    Place("MY-BEICHUAN", "北川县永昌镇", 31.6170, 104.4680),
    Place("MY-QUSHAN", "北川县曲山镇", 31.8340, 104.4620),
    Place("MY-QINGPIAN", "北川县青片乡", 31.9800, 104.2400),
    Place("MY-NANBA", "平武县南坝镇", 32.2080, 104.8120),
    Place("MY-PINGWU", "平武县", 32.4080, 104.5290),
)

# From the city depot (LC01) and the Zitong store (LC02); pairs without a road distance go by
# the great circle (server.domain.fifo.great_circle_km).
ROADS: tuple[Road, ...] = (
    Road("LC01", "MY-ANZHOU", 26),
    Road("LC01", "MY-JIANGYOU", 41),
    Road("LC01", "MY-BEICHUAN", 40),
    Road("LC01", "MY-QUSHAN", 58),
    Road("LC01", "MY-QINGPIAN", 132),
    Road("LC01", "MY-SANTAI", 68),
    Road("LC01", "MY-YANTING", 92),
    Road("LC01", "MY-NANBA", 115),
    Road("LC01", "MY-PINGWU", 175),
    Road("LC02", "MY-ZITONG", 3),
    Road("LC02", "MY-YANTING", 62),
    Road("LC02", "MY-NANBA", 135),  # by Jiangyou: no road crosses the hills straight
    Road("LC02", "MY-QINGPIAN", 178),
    Road("LC02", "MY-PINGWU", 212),
)
