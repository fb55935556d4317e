"""The pets blueprint: the collection ``/pets`` and each pet ``/pets/<pet_id>``."""

from __future__ import annotations

from typing import Any, NoReturn

from heron import Blueprint, Request, Resource, abort, arguments, response

from .schemas import PetQuerySchema, PetSchema
from .store import PetStore

__all__ = ["Pet", "Pets", "pets_blueprint"]


class Pets(Resource):
    """The collection of pets.

    Args:
        store: Where the pets are kept.
    """

    def __init__(self, store: PetStore) -> None:
        self.store = store

    @arguments(PetQuerySchema, location="query")
    @response(200, PetSchema, many=True)
    def get(self, req: Request, query: dict[str, Any]) -> list[dict[str, Any]]:
        """List pets.

        Pets come in the order they were added, optionally only those with a
        given tag.
        """
        return self.store.find(tag=query.get("tag"), limit=query["limit"])

    @arguments(PetSchema, description="The pet to add.")
    @response(201, PetSchema, headers={"Location": "URL of the new pet."})
    def post(
        self, req: Request, body: dict[str, Any]
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Add a pet.

        The store assigns its `id` and `created_at`.
        """
        pet = self.store.create(body)
        return pet, 201, {"Location": req.url_for("pets.Pet", pet_id=pet["id"])}


class Pet(Resource):
    """One pet.

    Args:
        store: Where the pets are kept.
    """

    def __init__(self, store: PetStore) -> None:
        self.store = store

    @response(200, PetSchema)
    def get(self, req: Request, pet_id: int) -> dict[str, Any]:
        """Get a pet."""
        return self.store.get(pet_id) or _not_found(pet_id)

    @arguments(PetSchema, description="The pet's new state; fields left out get their defaults.")
    @response(200, PetSchema)
    def put(self, req: Request, pet_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Replace a pet.

        Every field is replaced: one left out gets its default.
        """
        return self.store.replace(pet_id, body) or _not_found(pet_id)

    @response(204)
    def delete(self, req: Request, pet_id: int) -> None:
        """Delete a pet."""
        if not self.store.delete(pet_id):
            _not_found(pet_id)


def _not_found(pet_id: int) -> NoReturn:
    abort(404, f"No pet with id {pet_id}.")


def pets_blueprint(store: PetStore) -> Blueprint:
    """Return the blueprint of the pet resources, serving ``store``.

    Args:
        store: Where the pets are kept.
    """
    bp = Blueprint(
        "pets", url_prefix="/pets", tag="pets", description="Everything about your pets."
    )
    bp.add_resource(Pets(store), "")
    bp.add_resource(Pet(store), "/<int:pet_id>")
    return bp
