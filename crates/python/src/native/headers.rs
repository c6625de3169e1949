//! The `Headers` Python class: a response's headers as a read-only,
//! case-insensitive mapping (`response.headers["content-type"]`, `.get`,
//! `in`, `.items()`), as requests' `CaseInsensitiveDict` reads.
//!
//! It wraps the Rust client's [`HeaderMap`] without copying it into a dict;
//! a header sent several times reads as its values joined with `", "`.

use locusta_http::HeaderMap;
use pyo3::prelude::*;
use pyo3::types::PyList;

/// Response headers: a read-only, case-insensitive mapping.
#[pyclass(module = "locusta", mapping)]
pub(super) struct Headers {
    map: HeaderMap,
}

impl Headers {
    /// Wraps a response's headers.
    pub(super) fn new(map: HeaderMap) -> Headers {
        Headers { map }
    }

    /// Every value of `name`, joined with `", "`; None when absent.
    fn joined(&self, name: &str) -> Option<String> {
        let values: Vec<&str> = self
            .map
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        (!values.is_empty()).then(|| values.join(", "))
    }
}

#[pymethods]
impl Headers {
    fn __getitem__(&self, name: &str) -> PyResult<String> {
        self.joined(name)
            .ok_or_else(|| pyo3::exceptions::PyKeyError::new_err(name.to_string()))
    }
    #[pyo3(signature = (name, default=None))]
    fn get(&self, py: Python<'_>, name: &str, default: Option<PyObject>) -> PyObject {
        match self.joined(name) {
            Some(value) => value
                .into_pyobject(py)
                .map(|v| v.into_any().unbind())
                .unwrap_or_else(|_| py.None()),
            None => default.unwrap_or_else(|| py.None()),
        }
    }
    fn __contains__(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }
    fn __len__(&self) -> usize {
        self.map.keys_len()
    }
    fn keys(&self) -> Vec<String> {
        self.map.keys().map(|k| k.as_str().to_string()).collect()
    }
    fn items(&self) -> Vec<(String, String)> {
        self.map
            .keys()
            .filter_map(|k| Some((k.as_str().to_string(), self.joined(k.as_str())?)))
            .collect()
    }
    fn __iter__(&self, py: Python<'_>) -> PyResult<PyObject> {
        Ok(PyList::new(py, self.keys())?
            .try_iter()?
            .into_any()
            .unbind())
    }
    fn __repr__(&self) -> String {
        format!("{:?}", self.items())
    }
}

/// Registers this module's class in `locusta._native`.
pub(super) fn populate(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add_class::<Headers>()
}
