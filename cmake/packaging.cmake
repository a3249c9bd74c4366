# `make package` (cmake --build build --target package): a Debian package built by CPack.
#
# It holds /usr/bin/upgate (stripped), the man page upgate(1), the docs, the service
# upgate.service with its example /etc/upgate/upgate.toml and /etc/upgate/upgate.env
# (conffiles: an upgrade never overwrites the administrator's), and maintainer scripts
# that create the system user `upgate`. Dependencies come from dpkg-shlibdeps.
include(GNUInstallDirs)

install(TARGETS upgate RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

set(UPGATE_MAN_PAGE ${PROJECT_BINARY_DIR}/packaging/upgate.1.gz)
add_custom_command(
  OUTPUT ${UPGATE_MAN_PAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PROJECT_BINARY_DIR}/packaging
  COMMAND gzip -9n -c ${PROJECT_SOURCE_DIR}/packaging/upgate.1 > ${UPGATE_MAN_PAGE}
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/upgate.1
  COMMENT "upgate.1.gz"
  VERBATIM)
add_custom_target(upgate_man_page ALL DEPENDS ${UPGATE_MAN_PAGE})
install(FILES ${UPGATE_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)

file(GLOB UPGATE_DOCS ${PROJECT_SOURCE_DIR}/docs/*.md)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/upgate.example.toml
              ${UPGATE_DOCS} ${PROJECT_SOURCE_DIR}/docs/openapi.yaml
        DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${PROJECT_SOURCE_DIR}/packaging/upgate.service DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/packaging/upgate.toml ${PROJECT_SOURCE_DIR}/packaging/upgate.env
        DESTINATION /etc/upgate)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME upgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "${PROJECT_DESCRIPTION}")
set(CPACK_PACKAGE_CONTACT "upgate maintainers <maintainers@users.noreply.r-seed-aa88292a.example>")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Direct-to-object-storage upload gateway\n The browser asks upgate for a URL; upgate checks the file against an upload\n profile and signs a short-lived S3 PUT URL (AWS SigV4); the browser sends the\n bytes straight to S3, Ceph RGW, MinIO or upgate's embedded S3 store.")
configure_file(${PROJECT_SOURCE_DIR}/packaging/debian/conffiles.in
               ${PROJECT_BINARY_DIR}/packaging/debian/conffiles COPYONLY)
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${PROJECT_BINARY_DIR}/packaging/debian/conffiles
    ${PROJECT_SOURCE_DIR}/packaging/debian/postinst
    ${PROJECT_SOURCE_DIR}/packaging/debian/prerm
    ${PROJECT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
