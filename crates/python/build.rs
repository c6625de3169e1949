//! Lets this crate's test binaries find libpython at run time without
//! LD_LIBRARY_PATH: an rpath to the directory of the interpreter pyo3 links;
//! and the interpreter's path, for messages.

fn main() {
    let config = pyo3_build_config::get();
    if let Some(dir) = &config.lib_dir {
        println!("cargo:rustc-link-arg=-Wl,-rpath,{dir}");
    }
    // Named in the message when gevent is missing.
    if let Some(python) = &config.executable {
        println!("cargo:rustc-env=LOCUSTA_PYTHON={python}");
    }
}
