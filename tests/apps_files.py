"""A small application with file uploads and downloads (``tests.apps_files:api``).

Files are kept in the directory named by ``HERON_TEST_FILES`` (a temporary
directory by default), so a test can serve the app over real HTTP and look at
what was stored.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import marshmallow as ma

from heron import Api, NotFound, Request, Resource, arguments, response
from heron.core.fields import Upload
from heron.features.files import file_response, send_file, send_from_directory

STORE = Path(os.environ.get("HERON_TEST_FILES") or tempfile.mkdtemp(prefix="heron-files-"))
REPORTS = STORE / "reports"
#: Largest photo accepted, in bytes.
MAX_PHOTO = 64 * 1024


class PhotoForm(ma.Schema):
    caption = ma.fields.Str(required=True, validate=ma.validate.Length(min=1, max=100))
    tags = ma.fields.List(ma.fields.Str())
    taken = ma.fields.Date()
    photo = Upload(
        required=True,
        content_types=["image/png", "image/jpeg"],
        max_size=MAX_PHOTO,
        metadata={"description": "The photo."},
    )


class PhotoInfo(ma.Schema):
    pet_id = ma.fields.Int()
    caption = ma.fields.Str()
    tags = ma.fields.List(ma.fields.Str())
    filename = ma.fields.Str()
    content_type = ma.fields.Str()
    size = ma.fields.Int()


class AttachmentForm(ma.Schema):
    note = ma.fields.Str()
    attachment = Upload(max_size=1024)


def _meta_path(pet_id: int) -> Path:
    return STORE / f"pet-{pet_id}.json"


class PetPhoto(Resource):
    negotiate = False  # the photo is the only representation

    @arguments(PhotoForm, location="form")
    @response(201, PhotoInfo)
    def put(self, req: Request, pet_id: int, form: dict[str, Any]) -> Any:
        """Upload the pet's photo, with a caption."""
        photo = form["photo"]
        path = STORE / f"pet-{pet_id}.bin"
        photo.save(path)
        info = {
            "pet_id": pet_id,
            "caption": form["caption"],
            "tags": form.get("tags", []),
            "filename": photo.filename,
            "content_type": photo.mimetype,
            "size": path.stat().st_size,
        }
        _meta_path(pet_id).write_text(json.dumps(info))
        return info, 201

    @file_response("image/*", description="The pet's photo.")
    def get(self, req: Request, pet_id: int) -> Any:
        """Download the pet's photo."""
        meta = _meta_path(pet_id)
        if not meta.exists():
            raise NotFound(f"Pet {pet_id} has no photo.")
        info = json.loads(meta.read_text())
        return send_file(
            req,
            STORE / f"pet-{pet_id}.bin",
            mimetype=info["content_type"],
            download_name=info["filename"],
        )


class Attachments(Resource):
    @arguments(AttachmentForm, location="form")
    @response(200)
    def post(self, req: Request, form: dict[str, Any]) -> Any:
        """Attach an optional file."""
        attachment = form.get("attachment")
        return {"note": form.get("note"), "attached": attachment is not None}


class Report(Resource):
    negotiate = False

    @file_response("text/plain", ranges=False)
    def get(self, req: Request, name: str) -> Any:
        """Download a report as an attachment, under a Unicode name."""
        return send_from_directory(
            req, REPORTS, name, as_attachment=True, download_name=f"Übersicht {name}"
        )


def create_app(openapi_version: str = "3.1.0") -> Api:
    """Return the files application."""
    REPORTS.mkdir(parents=True, exist_ok=True)
    api = Api("Files", "1.0.0", openapi_version=openapi_version, max_content_length=256 * 1024)
    api.add_resource(PetPhoto, "/pets/<int:pet_id>/photo")
    api.add_resource(Attachments, "/attachments")
    api.add_resource(Report, "/reports/<path:name>")
    return api


api = create_app()
