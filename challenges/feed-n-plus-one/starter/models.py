"""The blog's ORM models (read-only)."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table, Text, create_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, relationship
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


post_tags = Table(
    "post_tags",
    Base.metadata,
    Column("post_id", ForeignKey("posts.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Author(Base):
    __tablename__ = "authors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    posts: Mapped[list["Post"]] = relationship(back_populates="author")


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50), unique=True)


class Post(Base):
    __tablename__ = "posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    published_at: Mapped[datetime | None] = mapped_column(index=True)  # None: draft

    author: Mapped[Author] = relationship(back_populates="posts")
    tags: Mapped[list[Tag]] = relationship(secondary=post_tags)
    comments: Mapped[list["Comment"]] = relationship(back_populates="post")


class Comment(Base):
    __tablename__ = "comments"

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]

    post: Mapped[Post] = relationship(back_populates="comments")


def session_for(dbapi_connection) -> Session:
    """Return a fresh Session whose every statement runs on `dbapi_connection` (sqlite3)."""
    engine = create_engine("sqlite://", creator=lambda: dbapi_connection, poolclass=StaticPool)
    # Connect now: SQLAlchemy's first-connect set-up (a PRAGMA) is not a statement of feed.py.
    with engine.connect():
        pass
    return Session(engine)
