def test_world_builds(world):
    assert world.citizen.municipality == world.muni
    assert world.visit.citizen == world.citizen
    assert world.foreign_visit.municipality == world.other_muni
