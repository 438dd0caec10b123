"""The sandbox driven by real ServiceNow clients: ServiceNow's own `pysnc` and the community
`pysnow`, plus plain `requests` where neither client reaches a behaviour.

Each test asserts what a real instance does, and says why we believe it in its `Evidence:`
line:
  SNDocs:<page>  ServiceNow's documentation (repository ServiceNow/ServiceNowDocs,
                 markdown/api-reference/rest-apis/<page>.md)
  pysnc          the client ServiceNow publishes runs this against real instances
  reference      ../shared/reference/servicenow.md (with its confidence mark)
  guess          inferred; check on a real instance

Run by tests/python_clients.rs against an in-process sandbox whose address is in
CALSYNC_SANDBOX_URL (user admin, password in CALSYNC_SANDBOX_PASSWORD).
"""

import base64
import os
import unittest
import uuid
import warnings

import pysnc
import pysnow
import requests
from pysnc.exceptions import RoleException

URL = os.environ["CALSYNC_SANDBOX_URL"]
USER = os.environ.get("CALSYNC_SANDBOX_USER", "admin")
PASSWORD = os.environ["CALSYNC_SANDBOX_PASSWORD"]
HOST = URL.split("://", 1)[1]
JSON = {"Accept": "application/json", "Content-Type": "application/json"}

# pysnc refuses plain-http addresses before it sends anything; the sandbox listens on
# loopback without TLS, so the address check (and only it) is bypassed here.
pysnc.client.get_instance = lambda instance: instance.rstrip("/")


def snc():
    return pysnc.ServiceNowClient(URL, (USER, PASSWORD))


def snow(resource):
    client = pysnow.Client(host=HOST, user=USER, password=PASSWORD, use_ssl=False)
    return client.resource(api_path=resource)


def raw(method, path, **kw):
    kw.setdefault("headers", dict(JSON))
    return requests.request(method, URL + path, auth=(USER, PASSWORD), **kw)


def unique(prefix):
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


def new_property(name, value="v"):
    r = raw("POST", "/api/now/table/sys_properties", json={"name": name, "value": value})
    assert r.status_code == 201, r.text
    return r.json()["result"]["sys_id"]


class CaseInsensitiveMatching(unittest.TestCase):
    """Evidence: reference §1.2 correction [likely]: values compare without regard to case
    (the database collation); column names and operators stay case-sensitive."""

    def test_equals_finds_a_name_in_another_case(self):
        gr = snc().GlideRecord("http_connection")
        gr.add_query("name", "ms graph 1")
        gr.query()
        self.assertEqual([r.name for r in gr], ["MS Graph 1"])

    def test_in_list_ignores_case(self):
        gr = snc().GlideRecord("http_connection")
        gr.add_query("name", "IN", "ms graph 1,MS GRAPH 2")
        gr.query()
        self.assertEqual(sorted(r.name for r in gr), ["MS Graph 1", "MS Graph 2"])

    def test_not_equals_and_startswith_ignore_case(self):
        conns = snow("/table/http_connection")
        names = [r["name"] for r in conns.get(query="nameSTARTSWITHms graph^name!=MS GRAPH 2").all()]
        self.assertEqual(names, ["MS Graph 1"])

    def test_orderby_sorts_without_regard_to_case(self):
        base = unique("calsync.order")
        for suffix in ["Gamma", "alpha", "Beta"]:
            new_property(f"{base}.{suffix}")
        gr = snc().GlideRecord("sys_properties")
        gr.add_query("name", "STARTSWITH", base)
        gr.order_by("name")
        gr.query()
        self.assertEqual([r.get_value("name").split(".")[-1] for r in gr], ["alpha", "Beta", "Gamma"])

    def test_unique_names_collide_across_case(self):
        name = unique("calsync.unique")
        new_property(name)
        gr = snc().GlideRecord("sys_properties")
        gr.initialize()
        gr.name = name.upper()
        gr.value = "second"
        # Evidence: reference §1.4 [likely]: a unique-index clash is a 403 "Operation Failed".
        with self.assertRaises(RoleException):
            gr.insert()


class Records(unittest.TestCase):
    def test_caller_chosen_sys_id_is_kept(self):
        """Evidence: pysnc (set_new_guid_value sends sys_id on insert and expects it back);
        SNDocs GlideRecord setNewGuidValue [likely]."""
        chosen = uuid.uuid4().hex
        gr = snc().GlideRecord("sys_properties")
        gr.initialize()
        gr.set_new_guid_value(chosen)
        gr.name = unique("calsync.guid")
        gr.value = "x"
        self.assertEqual(str(gr.insert()), chosen)
        again = snc().GlideRecord("sys_properties")
        self.assertTrue(again.get(chosen))

    def test_delete_without_content_type(self):
        """Evidence: SNDocs:c_TableAPI (the DELETE example sends only Accept) and pysnc,
        whose delete sends no Content-Type; 204 with no body."""
        gr = snc().GlideRecord("sys_properties")
        gr.initialize()
        gr.name = unique("calsync.delete")
        gr.value = "x"
        sys_id = str(gr.insert())
        self.assertTrue(gr.get(sys_id))
        self.assertTrue(gr.delete())
        r = raw("GET", f"/api/now/table/sys_properties/{sys_id}")
        self.assertEqual(r.status_code, 404)

    def test_pysnow_create_update_delete(self):
        """Evidence: SNDocs:c_TableAPI (POST 201, PATCH 200, DELETE 204)."""
        props = snow("/table/sys_properties")
        name = unique("calsync.pysnow")
        created = props.create(payload={"name": name, "value": "1"}).one()
        self.assertEqual(created["name"], name)
        updated = props.update(query={"name": name}, payload={"value": "2"})
        self.assertEqual(updated["value"], "2")
        self.assertEqual(props.delete(query={"name": name}), {"status": "record deleted"})


class DisplayValues(unittest.TestCase):
    def test_references_show_the_referenced_records_display_value(self):
        """Evidence: SNDocs:c_TableAPI (sysparm_display_value=true returns display values
        for reference fields); pysnc asks for `all` by default."""
        gr = snc().GlideRecord("http_connection")
        gr.add_query("name", "MS Graph 1")
        gr.query()
        self.assertTrue(gr.next())
        self.assertEqual(gr.connection_alias.get_display_value(), "sn_ex_online_spke.Microsoft_Exchange_Online")
        self.assertEqual(len(gr.connection_alias.get_value()), 32)

    def test_sys_domain_is_a_reference_to_the_global_domain(self):
        """Evidence: SNDocs:batch-api (its example answer has sys_domain as
        {"link": ".../sys_user_group/global", "value": "global"})."""
        r = raw("GET", "/api/now/table/http_connection", params={"sysparm_query": "name=MS Graph 1"})
        domain = r.json()["result"][0]["sys_domain"]
        self.assertEqual(domain["value"], "global")
        self.assertTrue(domain["link"].endswith("/api/now/table/sys_user_group/global"))

    def test_choice_fields_show_their_label(self):
        """Evidence: SNDocs:c_TableAPI (display values of choice fields are their labels);
        the labels: SNDocs connection-and-credential aliases ("Connection and Credential")
        [likely]."""
        gr = snc().GlideRecord("sys_alias")
        gr.add_query("id", "sn_ex_online_spke.Microsoft_Exchange_Online")
        gr.query()
        self.assertTrue(gr.next())
        self.assertEqual(gr.type.get_value(), "connection")
        self.assertEqual(gr.type.get_display_value(), "Connection and Credential")

    def test_pysnow_sends_display_value_as_python_true(self):
        """pysnow sends booleans as `True`/`False`. Evidence: pysnow works against real
        instances with these parameters [likely]; SNDocs:c_TableAPI for the meaning."""
        conns = snow("/table/http_connection")
        conns.parameters.display_value = True
        conns.parameters.exclude_reference_link = True
        record = conns.get(query={"name": "MS Graph 1"}).one()
        self.assertEqual(record["connection_alias"], "sn_ex_online_spke.Microsoft_Exchange_Online")


class Parameters(unittest.TestCase):
    def test_empty_sysparm_fields_means_all_fields(self):
        """Evidence: SNDocs:c_TableAPI (sysparm_fields lists the fields to return; with
        none given, all come back) [likely for the empty value]."""
        r = raw("GET", "/api/now/table/http_connection",
                params={"sysparm_query": "name=MS Graph 1", "sysparm_fields": ""})
        record = r.json()["result"][0]
        self.assertEqual(record["name"], "MS Graph 1")
        self.assertIn("connection_url", record)

    def test_link_headers_keep_the_query_and_fields(self):
        """Evidence: SNDocs:c_TableAPI (Link header: first, prev, next and last pages of
        the same request)."""
        params = {"sysparm_query": "nameSTARTSWITHMS Graph^ORDERBYname", "sysparm_fields": "name",
                  "sysparm_limit": "1"}
        first = raw("GET", "/api/now/table/http_connection", params=params)
        self.assertEqual(first.json()["result"], [{"name": "MS Graph 1"}])
        nxt = first.links["next"]["url"]
        second = requests.get(nxt, auth=(USER, PASSWORD), headers=JSON)
        self.assertEqual(second.json()["result"], [{"name": "MS Graph 2"}])
        self.assertNotIn("next", second.links)

    def test_x_no_response_body(self):
        """Evidence: SNDocs:c_TableAPI (X-no-response-body: true suppresses the body);
        a public client expects 204 on PATCH [likely]."""
        sys_id = new_property(unique("calsync.nobody"))
        headers = dict(JSON, **{"X-no-response-body": "true"})
        r = raw("PATCH", f"/api/now/table/sys_properties/{sys_id}", json={"value": "z"}, headers=headers)
        self.assertEqual(r.status_code, 204)
        self.assertEqual(r.content, b"")
        check = raw("GET", f"/api/now/table/sys_properties/{sys_id}")
        self.assertEqual(check.json()["result"]["value"], "z")

    def test_head_answers_like_get_without_a_body(self):
        """Evidence: guess (a servlet answers HEAD as GET without the body); check on a real
        instance."""
        r = raw("HEAD", "/api/now/table/http_connection", params={"sysparm_limit": "1"})
        self.assertEqual(r.status_code, 200)
        self.assertEqual(r.content, b"")
        self.assertIn("X-Total-Count", r.headers)

    def test_accept_xml_answers_xml(self):
        """Evidence: SNDocs:c_TableAPI (Accept: application/xml is supported);
        SNDocs:batch-api (an XML answer is <response><result>..</result></response>)."""
        r = raw("GET", "/api/now/table/http_connection",
                params={"sysparm_query": "name=MS Graph 1", "sysparm_fields": "name"},
                headers={"Accept": "application/xml"})
        self.assertEqual(r.status_code, 200)
        self.assertTrue(r.headers["Content-Type"].startswith("application/xml"))
        self.assertEqual(r.text, '<?xml version="1.0" encoding="UTF-8"?>'
                                 "<response><result><name>MS Graph 1</name></result></response>")


class BatchApi(unittest.TestCase):
    """Evidence: SNDocs:batch-api (rest_requests with id, method, url, headers and a base64
    body; serviced_requests and unserviced_requests; the batch_request_id echoed)."""

    def test_pysnc_update_multiple_runs_through_the_batch_api(self):
        base = unique("calsync.batch")
        ids = [new_property(f"{base}.{i}", "old") for i in range(3)]
        gr = snc().GlideRecord("sys_properties")
        gr.add_query("name", "STARTSWITH", base)
        gr.query()
        for r in gr:
            r.value = "new"
        self.assertTrue(gr.update_multiple())
        for sys_id in ids:
            self.assertEqual(raw("GET", f"/api/now/table/sys_properties/{sys_id}").json()["result"]["value"], "new")

    def test_pysnc_delete_multiple(self):
        base = unique("calsync.batchdel")
        for i in range(3):
            new_property(f"{base}.{i}")
        gr = snc().GlideRecord("sys_properties")
        gr.add_query("name", "STARTSWITH", base)
        gr.query()
        self.assertTrue(gr.delete_multiple())
        left = raw("GET", "/api/now/table/sys_properties", params={"sysparm_query": f"nameSTARTSWITH{base}"})
        self.assertEqual(left.json()["result"], [])

    def test_a_long_query_goes_through_the_batch_api(self):
        """pysnc sends a query longer than about 10000 characters as a batch item."""
        names = ",".join(["MS Graph 1"] + [f"calsync.none.{i:05d}" for i in range(800)])
        gr = snc().GlideRecord("http_connection")
        gr.add_query("name", "IN", names)
        gr.query()
        self.assertEqual([r.name for r in gr], ["MS Graph 1"])

    def test_items_run_in_order_and_answer_in_order(self):
        name = unique("calsync.order")
        chosen = uuid.uuid4().hex
        body = base64.b64encode(f'{{"sys_id":"{chosen}","name":"{name}","value":"1"}}'.encode()).decode()
        patch = base64.b64encode(b'{"value":"2"}').decode()
        batch = {
            "batch_request_id": "b1",
            "rest_requests": [
                {"id": "1", "method": "POST", "url": "/api/now/table/sys_properties", "body": body,
                 "headers": [{"name": "Content-Type", "value": "application/json"},
                             {"name": "Accept", "value": "application/json"}]},
                {"id": "2", "method": "PATCH", "url": f"/api/now/table/sys_properties/{chosen}", "body": patch,
                 "headers": [{"name": "Content-Type", "value": "application/json"}],
                 "exclude_response_headers": True},
                {"id": "3", "method": "GET", "url": f"/api/now/table/sys_properties/{chosen}?sysparm_fields=value"},
                {"id": "4", "method": "GET", "url": "/api/now/table/no_such_table"},
            ],
        }
        r = raw("POST", "/api/now/v1/batch", json=batch)
        self.assertEqual(r.status_code, 200)
        data = r.json()
        self.assertEqual(data["batch_request_id"], "b1")
        self.assertEqual(data["unserviced_requests"], [])
        answers = data["serviced_requests"]
        self.assertEqual([a["id"] for a in answers], ["1", "2", "3", "4"])
        self.assertEqual([a["status_code"] for a in answers], [201, 200, 200, 400])
        self.assertEqual(answers[1]["headers"], [])
        self.assertTrue(any(h["name"].lower() == "content-type" for h in answers[0]["headers"]))
        third = base64.b64decode(answers[2]["body"])
        self.assertEqual(third, b'{"result":{"value":"2"}}')


class Attachments(unittest.TestCase):
    """Evidence: SNDocs:c_AttachmentAPI (POST /attachment/file with table_name,
    table_sys_id and file_name; GET metadata and /file; DELETE 204)."""

    def test_pysnc_upload_read_delete(self):
        sys_id = new_property(unique("calsync.attach"))
        client = snc()
        att = client.Attachment("sys_properties")
        location = att.add_attachment(sys_id, "notes.txt", b"hello attachments", "text/plain")
        att_id = location.rsplit("/", 1)[-1]
        self.assertEqual(location, f"{URL}/api/now/attachment/{att_id}")
        self.assertEqual(len(att_id), 32)
        found = client.Attachment("sys_properties")
        found.add_query("table_sys_id", sys_id)
        found.query()
        self.assertTrue(found.next())
        self.assertEqual(found.file_name, "notes.txt")
        self.assertEqual(found.read(), b"hello attachments")
        found.delete()
        self.assertEqual(raw("GET", f"/api/now/attachment/{att_id}").status_code, 404)

    def test_pysnow_upload(self):
        import tempfile
        sys_id = new_property(unique("calsync.attach2"))
        props = snow("/table/sys_properties")
        with tempfile.NamedTemporaryFile("wb", suffix=".txt", delete=False) as f:
            f.write(b"from pysnow")
        try:
            with warnings.catch_warnings():
                # pysnow leaves the file it uploads open.
                warnings.simplefilter("ignore", ResourceWarning)
                record = props.attachments.upload(sys_id=sys_id, file_path=f.name).one()
        finally:
            os.unlink(f.name)
        self.assertEqual(record["table_sys_id"], sys_id)
        listed = props.attachments.get(sys_id=sys_id)
        self.assertEqual([a["file_name"] for a in listed], [os.path.basename(f.name)])


if __name__ == "__main__":
    unittest.main()
