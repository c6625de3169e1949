"""Extends locusta's web UI through its Flask app, as Locust's web UI is
extended: a blueprint with a JSON route, a CSV download, a route that
raises, a page with an extra tab (locusta's own index.html rendered with
more template_args), and an after_request function that adds a table's rows
to /stats/requests."""

import json

from flask import Blueprint, jsonify, make_response, render_template, request

from locust import HttpUser, events, task

received = {}


class Browser(HttpUser):
    @task(3)
    def home(self):
        self.client.get("/")

    @task
    def products(self):
        self.client.get("/products")


@events.request.add_listener
def count_bytes(name, response_length, **_kwargs):
    totals = received.setdefault(name, {"requests": 0, "bytes": 0})
    totals["requests"] += 1
    totals["bytes"] += response_length or 0


@events.reset_stats.add_listener
def forget():
    received.clear()


def rows():
    return [{"name": name, "requests": t["requests"], "bytes": t["bytes"]} for name, t in sorted(received.items())]


@events.init.add_listener
def extend(environment, web_ui, **_kwargs):
    if web_ui is None:
        return
    pages = Blueprint("bytes", __name__)

    @pages.route("/bytes/summary")
    @web_ui.auth_required_if_enabled
    def summary():
        return jsonify({"names": len(received), "rows": rows(), "method": request.method})

    @pages.route("/bytes/echo", methods=["POST"])
    def echo():
        return jsonify({"got": request.get_json(), "query": request.args.get("tag"), "path": request.path})

    @pages.route("/bytes/csv")
    def download():
        lines = ['"Name","Requests","Bytes"'] + [f'"{r["name"]}",{r["requests"]},{r["bytes"]}' for r in rows()]
        answer = make_response("\n".join(lines))
        answer.headers["Content-Type"] = "text/csv"
        answer.headers["Content-Disposition"] = "attachment;filename=bytes.csv"
        return answer

    @pages.route("/bytes/broken")
    def broken():
        return {"ratio": 1 / len([])}

    @pages.route("/extend")
    def page():
        web_ui.update_template_args()
        return render_template(
            "index.html",
            template_args={
                **web_ui.template_args,
                "extended_tabs": [{"title": "Bytes <received>", "key": "bytes"}],
                "extended_tables": [
                    {
                        "key": "bytes",
                        "structure": [
                            {"key": "name", "title": "Name"},
                            {"key": "requests", "title": "Requests"},
                            {"key": "bytes", "title": "Bytes received"},
                        ],
                    }
                ],
                "extended_csv_files": [{"href": "/bytes/csv", "title": "Bytes per name (CSV)"}],
            },
        )

    @web_ui.app.after_request
    def add_rows(response):
        if request.path == "/stats/requests":
            body = response.json
            body["extended_stats"] = [{"key": "bytes", "data": rows()}]
            response.set_data(json.dumps(body))
        return response

    web_ui.app.register_blueprint(pages)
