"""The pets blueprint: ``/pets``, ``/pets/<pet_id>`` and ``/pets/<pet_id>/photo``.

Reads are public; every write needs the API key (the blueprint's security
requirement, see :mod:`.auth`), and reads say so with ``@requires()``.

Each pet's ``version`` is its entity tag (``ETag: "3-json"`` for its JSON
representation): ``If-None-Match`` on a read gives 304, and a write sent with
``If-Match`` is refused with 412 if the pet changed since (RFC 9110 §13).
Writes without ``If-Match`` are accepted (no 428, see the README). A
conditional write is also made conditional in the database, so another write
slipping in between the check and the update is a 412 too, never a lost update.
"""

from __future__ import annotations

import io
from typing import Any, NoReturn

from werkzeug.wrappers import Response as WZResponse

from heron import (
    Blueprint,
    Conflict,
    Page,
    Request,
    Resource,
    Validators,
    abort,
    arguments,
    conditional,
    doc,
    paginate,
    patch_body,
    requires,
    response,
)
from heron.features.files import file_response, send_file
from heron.http.errors import PreconditionFailed

from .auth import ApiKeys
from .schemas import PetQuerySchema, PetSchema, PhotoSchema, PhotoUploadSchema
from .store import PetStore, StaleVersion

__all__ = ["Pet", "PetPhoto", "Pets", "pets_blueprint"]

#: Response headers of a photo: it is shown as an image, never run as a document
#: (an uploaded ``image/svg+xml`` could hold a script).
PHOTO_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; sandbox",
    "X-Content-Type-Options": "nosniff",
}


def _not_found(pet_id: int) -> NoReturn:
    abort(404, f"No pet with id {pet_id}.")


def _conditional(req: Request) -> bool:
    """Whether the client made its write conditional on the state it read.

    ``If-Match`` with entity tags, or ``If-Unmodified-Since`` (RFC 9110 §13.1.1,
    §13.1.4); ``If-Match: *`` only asks that the pet exist.
    """
    if_match = req.headers.get("If-Match")
    return (if_match is not None and if_match.strip() != "*") or (
        "If-Unmodified-Since" in req.headers
    )


def _stale(pet_id: int) -> PreconditionFailed:
    return PreconditionFailed(
        f"Pet {pet_id} changed while this request was being handled; read it again."
    )


class Pets(Resource):
    """The collection of pets.

    Args:
        store: Where the pets are kept.
    """

    def __init__(self, store: PetStore) -> None:
        self.store = store

    @requires()
    @conditional(cache_control="no-cache")
    @paginate(default_size=20, max_size=100)
    @arguments(PetQuerySchema, location="query")
    @response(200, PetSchema, many=True)
    def get(self, req: Request, query: dict[str, Any], page: Page) -> list[dict[str, Any]]:
        """List pets.

        Pets come in the order they were added, optionally only those with a
        given tag, a page at a time: `Link` gives the `first`, `prev`, `next`
        and `last` pages (RFC 8288) and `X-Total-Count` the number of pets.
        """
        items, page.total = self.store.page(
            tag=query.get("tag"), offset=page.offset, limit=page.limit
        )
        return items

    @arguments(PetSchema, description="The pet to add.")
    @response(201, PetSchema, headers={"Location": "URL of the new pet."})
    def post(
        self, req: Request, body: dict[str, Any]
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        """Add a pet.

        The store assigns its `id` and `created_at`. Needs the API key.
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

    def validators(self, req: Request, pet_id: int) -> Validators:
        """Return the pet's validators: its version and when it last changed."""
        found = self.store.version(pet_id)
        if found is None:
            _not_found(pet_id)
        version, updated_at = found
        req.state.pet_version = version  # what the preconditions were checked against
        return Validators(str(version), last_modified=updated_at)

    def current(self, req: Request, pet_id: int) -> dict[str, Any]:
        """Return the pet a patch applies to, noting its version."""
        pet = self.store.get(pet_id) or _not_found(pet_id)
        req.state.patched_version = pet["version"]
        return pet

    @requires()
    @conditional("validators", cache_control="no-cache")
    @response(200, PetSchema)
    def get(self, req: Request, pet_id: int) -> dict[str, Any]:
        """Get a pet.

        Its `ETag` is its version: send it back in `If-None-Match` to get a
        304 while it is unchanged.
        """
        return self.store.get(pet_id) or _not_found(pet_id)

    @conditional("validators")
    @arguments(PetSchema, description="The pet's new state; fields left out get their defaults.")
    @response(200, PetSchema)
    def put(self, req: Request, pet_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Replace a pet.

        Every field is replaced: one left out gets its default. Needs the API
        key; with `If-Match`, only if the pet is still in that version.
        """
        expected = req.state.pet_version if _conditional(req) else None
        try:
            return self.store.replace(pet_id, body, expected_version=expected) or _not_found(pet_id)
        except StaleVersion:
            raise _stale(pet_id) from None

    @conditional("validators")
    @patch_body(
        PetSchema,
        current="current",
        description="A JSON Merge Patch (RFC 7396) or a JSON Patch (RFC 6902) to the pet.",
        example={"status": "sold", "tag": None},
    )
    @response(200, PetSchema)
    def patch(self, req: Request, pet_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """Change some fields of a pet.

        A merge patch names the fields to change (`null` removes an optional
        one); a JSON Patch lists operations. Needs the API key; with
        `If-Match`, only if the pet is still in that version. The answer
        carries the new `ETag`.
        """
        # The version the client's precondition named, else the one the patch applied to.
        conditional = _conditional(req)
        expected = req.state.pet_version if conditional else req.state.patched_version
        try:
            stored = self.store.replace(pet_id, body, expected_version=expected)
        except StaleVersion:
            if conditional:
                raise _stale(pet_id) from None
            raise Conflict(
                f"Pet {pet_id} changed while the patch was applied; send the patch again."
            ) from None
        return stored or _not_found(pet_id)

    @conditional("validators")
    @response(204)
    def delete(self, req: Request, pet_id: int) -> None:
        """Delete a pet, and its photo.

        Needs the API key; with `If-Match`, only if the pet is still in that version.
        """
        expected = req.state.pet_version if _conditional(req) else None
        try:
            deleted = self.store.delete(pet_id, expected_version=expected)
        except StaleVersion:
            raise _stale(pet_id) from None
        if not deleted:
            _not_found(pet_id)


class PetPhoto(Resource):
    """A pet's photo: uploaded as ``multipart/form-data``, sent back as the image.

    Args:
        store: Where the pets and photos are kept.
    """

    def __init__(self, store: PetStore) -> None:
        self.store = store

    @requires()
    @file_response("image/*", description="The pet's photo, as uploaded.")
    def get(self, req: Request, pet_id: int) -> WZResponse:
        """Get a pet's photo.

        Range requests get part of it (206); its `ETag` is the SHA-256 of its bytes.
        """
        photo = self.store.photo(pet_id)
        if photo is None or photo.data is None:
            abort(404, f"Pet {pet_id} has no photo.")
        resp = send_file(
            req,
            io.BytesIO(photo.data),
            mimetype=photo.content_type,
            download_name=photo.filename,
            etag=photo.sha256,
            last_modified=photo.uploaded_at,
        )
        resp.headers.update(PHOTO_HEADERS)
        return resp

    @arguments(PhotoUploadSchema, location="form", description="The photo.")
    @response(200, PhotoSchema, description="The photo replaced the pet's previous one.")
    @response(201, PhotoSchema, description="The pet had no photo: this one is stored.")
    def put(self, req: Request, pet_id: int, form: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Upload a pet's photo.

        Any image (`image/*`) up to 5 MiB, replacing the pet's photo if it
        has one. Needs the API key.
        """
        upload = form["photo"]
        stored = self.store.put_photo(
            pet_id,
            upload.stream.read(),
            content_type=upload.mimetype,
            filename=upload.filename or "photo",
        )
        if stored is None:
            _not_found(pet_id)
        photo, created = stored
        return photo.info(), 201 if created else 200

    @doc(operation_id="deletePetPhoto")  # one photo: not "deletePetPhotos"
    @response(204)
    def delete(self, req: Request, pet_id: int) -> None:
        """Delete a pet's photo.

        Needs the API key.
        """
        if not self.store.delete_photo(pet_id):
            abort(404, f"Pet {pet_id} has no photo.")


def pets_blueprint(store: PetStore, keys: ApiKeys) -> Blueprint:
    """Return the blueprint of the pet resources, serving ``store``.

    Args:
        store: Where the pets are kept.
        keys: The API key writes need.
    """
    bp = Blueprint(
        "pets",
        url_prefix="/pets",
        tag="pets",
        description="Everything about your pets.",
        security=keys.requirement,
    )
    bp.add_resource(Pets(store), "")
    bp.add_resource(Pet(store), "/<int:pet_id>")
    bp.add_resource(PetPhoto(store), "/<int:pet_id>/photo")
    return bp
