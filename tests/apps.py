"""Small sample applications for the module tests and the CLI (``tests.apps:app``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma

from heron import Api, Blueprint, NotFound, Request, Resource, arguments, response


class PetSchema(ma.Schema):
    id = ma.fields.Int(dump_only=True)
    name = ma.fields.Str(required=True)
    tag = ma.fields.Str()


class PetQuery(ma.Schema):
    limit = ma.fields.Int(load_default=20)
    tag = ma.fields.List(ma.fields.Str())


class PetStore:
    """An in-memory pet store; one per application."""

    def __init__(self) -> None:
        self.pets: dict[int, dict[str, Any]] = {}
        self.next_id = 1

    def add(self, data: dict[str, Any]) -> dict[str, Any]:
        pet = {"id": self.next_id, **data}
        self.pets[self.next_id] = pet
        self.next_id += 1
        return pet

    def get(self, pet_id: int) -> dict[str, Any]:
        try:
            return self.pets[pet_id]
        except KeyError:
            raise NotFound(f"No pet with id {pet_id}.") from None


class Pets(Resource):
    def __init__(self, store: PetStore) -> None:
        self.store = store

    @arguments(PetQuery, location="query")
    @response(200, PetSchema, many=True)
    def get(self, req: Request, query: dict[str, Any]) -> Any:
        """List pets.

        Pets are returned in the order they were added.
        """
        pets = list(self.store.pets.values())
        if query.get("tag"):
            pets = [p for p in pets if p.get("tag") in query["tag"]]
        return pets[: query["limit"]]

    @arguments(PetSchema)
    @response(201, PetSchema, headers={"Location": "URL of the new pet."})
    def post(self, req: Request, body: dict[str, Any]) -> Any:
        """Add a pet."""
        pet = self.store.add(body)
        return pet, 201, {"Location": req.url_for("pets.Pet", pet_id=pet["id"])}


class Pet(Resource):
    def __init__(self, store: PetStore) -> None:
        self.store = store

    @response(200, PetSchema)
    def get(self, req: Request, pet_id: int) -> Any:
        """Get one pet."""
        return self.store.get(pet_id)

    @arguments(PetSchema)
    @response(200, PetSchema)
    def put(self, req: Request, pet_id: int, body: dict[str, Any]) -> Any:
        """Replace a pet."""
        self.store.get(pet_id)
        pet = self.store.pets[pet_id] = {"id": pet_id, **body}
        return pet

    @response(204)
    def delete(self, req: Request, pet_id: int) -> None:
        """Delete a pet."""
        self.store.get(pet_id)
        del self.store.pets[pet_id]


def create_app(openapi_version: str = "3.1.0") -> Api:
    """Return the pet store application (a factory, as ``tests.apps:create_app``)."""
    store = PetStore()
    api = Api("Pet Store", "1.0.0", openapi_version=openapi_version)
    pets = Blueprint("pets", url_prefix="/pets", description="Everything about pets.")
    pets.add_resource(Pets(store), "/")
    pets.add_resource(Pet(store), "/<int:pet_id>")
    api.register_blueprint(pets)
    return api


app = create_app()

#: Not applications, for the CLI's error messages.
not_an_api = 42


def needs_arguments(name: str) -> Api:
    return Api(name)


def returns_something_else() -> object:
    return object()
