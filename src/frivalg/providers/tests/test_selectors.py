import pytest
from django.contrib.auth.models import AnonymousUser

from frivalg.core.tests.factories import UserFactory
from frivalg.providers.models import Provider
from frivalg.providers.selectors import (
    approvals_for,
    caregivers_for,
    provider_get,
    provider_ids_of,
    providers_for,
    staff_member_of,
)
from frivalg.providers.tests.factories import ProviderFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


def test_provider_ids_of_counts_active_staff_rows_only(world):
    assert provider_ids_of(world.private_admin) == {world.private.pk}
    assert provider_ids_of(world.private_caregiver_user) == {world.private.pk}
    assert provider_ids_of(world.finance) == set()
    assert provider_ids_of(AnonymousUser()) == set()
    world.private_caregiver.active = False
    world.private_caregiver.save()
    assert provider_ids_of(world.private_caregiver_user) == set()
    assert staff_member_of(world.private_caregiver_user) is None


def test_staff_member_of(world):
    assert staff_member_of(world.private_caregiver_user) == world.private_caregiver
    assert staff_member_of(world.citizen_user) is None
    assert staff_member_of(AnonymousUser()) is None


def test_staff_see_the_providers_approved_or_owned_in_their_municipality(world):
    assert set(providers_for(actor=world.finance)) == {world.in_house, world.private}
    assert set(providers_for(actor=world.assessor)) == {world.in_house, world.private}
    assert set(providers_for(actor=world.other_finance)) == {world.other_provider}
    owned_only = ProviderFactory(kind="in_house", owner_municipality=world.muni)
    assert owned_only in providers_for(actor=world.finance)
    assert owned_only not in providers_for(actor=world.other_finance)


def test_provider_people_see_their_own_provider_only(world):
    assert list(providers_for(actor=world.private_admin)) == [world.private]
    assert list(providers_for(actor=world.private_caregiver_user)) == [world.private]
    assert list(providers_for(actor=world.other_admin)) == [world.other_provider]


def test_citizens_and_strangers_see_no_providers_here(world):
    for user in (world.citizen_user, world.relative, AnonymousUser(), UserFactory()):
        assert not providers_for(actor=user).exists()


def test_provider_get_hides_what_the_actor_may_not_see(world):
    assert provider_get(actor=world.finance, public_id=world.private.public_id) == world.private
    with pytest.raises(Provider.DoesNotExist):
        provider_get(actor=world.finance, public_id=world.other_provider.public_id)
    with pytest.raises(Provider.DoesNotExist):
        provider_get(actor=world.private_admin, public_id=world.in_house.public_id)


def test_approvals_scoping(world):
    assert {a.municipality_id for a in approvals_for(actor=world.finance)} == {world.muni.pk}
    assert approvals_for(actor=world.finance).count() == 4
    assert {a.provider_id for a in approvals_for(actor=world.private_admin)} == {world.private.pk}
    assert {a.provider_id for a in approvals_for(actor=world.other_admin)} == {world.other_provider.pk}
    assert not approvals_for(actor=world.private_caregiver_user).exists()
    assert not approvals_for(actor=world.citizen_user).exists()
    assert not approvals_for(actor=AnonymousUser()).exists()


def test_only_the_provider_s_own_admins_list_its_caregivers(world):
    former = StaffMemberFactory(provider=world.private, pseudonym="OLD", active=False)
    listed = set(caregivers_for(actor=world.private_admin, provider=world.private))
    assert world.private_caregiver in listed
    assert former not in listed
    for user in (world.other_admin, world.in_house_admin, world.private_caregiver_user, world.finance, AnonymousUser()):
        assert not caregivers_for(actor=user, provider=world.private).exists()
